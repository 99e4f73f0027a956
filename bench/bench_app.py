"""The real app plus a bare hello-world endpoint, so benchmarks compare against the same server."""

from workshop import create_app

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "hello"
