"""SQLAlchemy models, one module per concept; importing this package registers them all."""

from workshop.models.audit import AuditEvent
from workshop.models.certificate import (
    Certificate,
    CertificateCounter,
    CertificateImage,
    CertificateImageKind,
)
from workshop.models.checkin import CheckIn, CheckInMethod, CheckInTally, RefusedScan
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
from workshop.models.excuse import ExcusedAbsence, ExcuseKind
from workshop.models.notification import Notification
from workshop.models.office import Office
from workshop.models.password_reset import PasswordReset
from workshop.models.quota import NominationLink, WorkshopQuota
from workshop.models.record import MessageAudience, Transcript, WorkshopMessage
from workshop.models.registration import (
    Registration,
    RegistrationStatus,
    RegistrationStatusChange,
    RetiredTicketSecret,
)
from workshop.models.user import ApiToken, Role, SignInFailure, User
from workshop.models.venue import Venue
from workshop.models.workshop import (
    AttendanceRule,
    CertificateKind,
    Workshop,
    WorkshopSession,
    WorkshopStatus,
)

__all__ = [
    "ApiToken",
    "AttendanceRule",
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
    "ExcuseKind",
    "ExcusedAbsence",
    "FormPart",
    "FormStatus",
    "MessageAudience",
    "NominationLink",
    "Notification",
    "Office",
    "PasswordReset",
    "QuestionKind",
    "RefusedScan",
    "Registration",
    "RegistrationStatus",
    "RegistrationStatusChange",
    "RetiredTicketSecret",
    "Role",
    "SignInFailure",
    "Transcript",
    "User",
    "Venue",
    "Workshop",
    "WorkshopMessage",
    "WorkshopQuota",
    "WorkshopSession",
    "WorkshopStatus",
]
