"""SQLAlchemy models, one module per concept; importing this package registers them all."""

from workshop.models.audit import AuditEvent
from workshop.models.certificate import (
    Certificate,
    CertificateCounter,
    CertificateImage,
    CertificateImageKind,
)
from workshop.models.checkin import CheckIn, CheckInMethod, CheckInTally
from workshop.models.evaluation import (
    EvaluationAnswer,
    EvaluationForm,
    EvaluationQuestion,
    EvaluationResponse,
    EvaluationSubmission,
    FormPart,
    FormStatus,
    QuestionKind,
)
from workshop.models.notification import Notification
from workshop.models.registration import Registration, RegistrationStatus
from workshop.models.user import ApiToken, Role, User
from workshop.models.venue import Venue
from workshop.models.workshop import CertificateKind, Workshop, WorkshopSession, WorkshopStatus

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Certificate",
    "CertificateCounter",
    "CertificateImage",
    "CertificateImageKind",
    "CertificateKind",
    "CheckIn",
    "CheckInMethod",
    "CheckInTally",
    "EvaluationAnswer",
    "EvaluationForm",
    "EvaluationQuestion",
    "EvaluationResponse",
    "EvaluationSubmission",
    "FormPart",
    "FormStatus",
    "Notification",
    "QuestionKind",
    "Registration",
    "RegistrationStatus",
    "Role",
    "User",
    "Venue",
    "Workshop",
    "WorkshopSession",
    "WorkshopStatus",
]
