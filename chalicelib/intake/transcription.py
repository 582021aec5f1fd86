"""Chinese voicemail into text with Amazon Transcribe (Twilio transcribes English only): a batch
job on the recording in the media bucket, started when the recording arrives; the job's
completion (an EventBridge event to `transcribed`) adds the transcript to the case, as Twilio's
callback does for English. The case and the recording exist before either."""
import json
import logging

from chalicelib.runtime import context
from chalicelib.model.case import Attachment
from chalicelib.runtime.logs import log_event

logger = logging.getLogger(__name__)


def job_prefix() -> str:
    """Jobs are named after the table: one account may run several institutions, and each stack
    takes only its own jobs' events."""
    return f"{context.setting('TABLE_NAME')}-"


def transcript_key(call_sid: str) -> str:
    return f"media/transcripts/{call_sid}.json"


def start(recording: Attachment, call_sid: str, language_code: str) -> bool:
    """True when a job runs (or already ran) for this call. A recording we could not copy into
    the bucket stays at Twilio and is not transcribed; staff listen to it from the case."""
    if not recording.location.startswith("s3://"):
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = recording.location.removeprefix("s3://").partition("/")[0]
    try:
        context.aws_client("transcribe").start_transcription_job(
            TranscriptionJobName=job_prefix() + call_sid, LanguageCode=language_code,
            Media={"MediaFileUri": recording.location}, OutputBucketName=bucket, OutputKey=transcript_key(call_sid))
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConflictException":
            return True  # the same recording webhook, delivered again
        log_event(logger, "transcription_not_started", call_sid=call_sid, error=str(error))
        return False
    except BotoCoreError as error:
        log_event(logger, "transcription_not_started", call_sid=call_sid, error=str(error))
        return False
    return True


def read_transcript(detail: dict) -> tuple[str, str | None] | None:
    """(call sid, the words or None when the job failed) for one of our jobs; None for a job of
    another stack in the same account."""
    name, prefix = detail.get("TranscriptionJobName", ""), job_prefix()
    if not name.startswith(prefix):
        return None
    call_sid = name.removeprefix(prefix)
    if detail.get("TranscriptionJobStatus") != "COMPLETED":
        return call_sid, None
    bucket = context.setting("MAIL_BUCKET")
    document = json.loads(context.aws_client("s3").get_object(Bucket=bucket, Key=transcript_key(call_sid))["Body"].read())
    words = " ".join(part.get("transcript", "") for part in document["results"]["transcripts"]).strip()
    return call_sid, words or None
