"""What Amazon Transcribe and EventBridge do in AWS, for the sandbox's simulated Chinese calls:
the job the app started (on moto, which never finishes it) gets its transcript file at the
output key the app asked for -- the words the simulated caller "said" -- and then the work of
the `transcribed` function runs, as the EventBridge rule would invoke it."""
import json

from chalicelib.intake.transcription import job_prefix, read_transcript, transcript_key
from chalicelib.intake.voice import add_transcript
from chalicelib.runtime import context
from chalicelib.runtime.clock import now


def complete(call_sid: str, words: str) -> str:
    name = job_prefix() + call_sid
    job = context.aws_client("transcribe").get_transcription_job(TranscriptionJobName=name)["TranscriptionJob"]
    context.aws_client("s3").put_object(
        Bucket=context.setting("MAIL_BUCKET"), Key=transcript_key(call_sid), ContentType="application/json",
        Body=json.dumps({"jobName": name, "status": "COMPLETED", "results": {"transcripts": [{"transcript": words}],
                                                                              "language_code": job["LanguageCode"]}},
                        ensure_ascii=False).encode())
    detail = {"TranscriptionJobName": name, "TranscriptionJobStatus": "COMPLETED"}
    call, found_words = read_transcript(detail)
    return add_transcript(context.store(), call, "", found_words, detail, now())
