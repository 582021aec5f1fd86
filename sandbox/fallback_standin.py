"""What the Twilio number's fallback endpoint does in AWS (infra/fallback.py: API Gateway writing
straight to S3, no function behind it), for the sandbox: each POST to /spool/<route> is kept in the
bucket's spool/fallback/ exactly as the mapping template would keep it, and answered with the same
static TwiML. The sandbox phone falls back to it when the app answers 5xx or not at all."""

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FallbackStandIn:
    def __init__(self, bucket: str, port: int = 0):
        self.bucket = bucket
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.kept: list[str] = []

    @property
    def base_url(self) -> str:
        from infra.fallback import STAGE

        return f"http://127.0.0.1:{self.server.server_address[1]}/{STAGE}"

    def start(self) -> "FallbackStandIn":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                import json

                import boto3

                from infra.fallback import STAGE, as_api_gateway_stores, static_answers

                route = self.path.split("?")[0].removeprefix(f"/{STAGE}/")
                answers = static_answers()
                if route not in answers:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                document = as_api_gateway_stores(
                    self.headers.get("Host", ""),
                    route,
                    self.headers.get("X-Twilio-Signature", ""),
                    body,
                    int(time.time() * 1000),
                )
                key = f"spool/fallback/{uuid.uuid4()}"
                boto3.client("s3").put_object(Bucket=standin.bucket, Key=key, Body=json.dumps(document).encode())
                standin.kept.append(key)
                answer = answers[route].encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        return Handler
