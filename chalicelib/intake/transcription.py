"""Voicemail into text with Amazon Transcribe (Twilio transcribes English only): a batch job on the
recording in the media bucket, started when the recording arrives; the job's completion (an
EventBridge event to `transcribed`) adds the transcript to the case, as Twilio's callback does for
English. The case and the recording exist before either."""

import logging
from collections.abc import Callable
from datetime import datetime

from chalicelib.model.case import Attachment
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event

logger = logging.getLogger(__name__)


def transcript_key(call_sid: str) -> str:
    return f"media/transcripts/{call_sid}.json"


class TranscriptionJobs:
    """`client` returns the Transcribe client; jobs are named `<prefix><CallSid>`, the prefix being
    the stack's table name and a dash, so each stack takes only its own jobs' events."""

    def __init__(self, client: Callable, prefix: str):
        self._client = client
        self.prefix = prefix

    def start(self, recording: Attachment, call_sid: str, language_code: str) -> bool:
        """True when a job runs (or already ran) for this call. A recording we could not copy into
        the bucket stays at Twilio and is not transcribed; staff listen to it from the case."""
        if not recording.location.startswith("s3://"):
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        bucket = recording.location.removeprefix("s3://").partition("/")[0]
        try:
            self._client().start_transcription_job(
                TranscriptionJobName=self.prefix + call_sid,
                LanguageCode=language_code,
                Media={"MediaFileUri": recording.location},
                OutputBucketName=bucket,
                OutputKey=transcript_key(call_sid),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConflictException":
                return True  # the same recording webhook, delivered again
            log_event(logger, "transcription_not_started", call_sid=call_sid, error=str(error))
            return False
        except BotoCoreError as error:
            log_event(logger, "transcription_not_started", call_sid=call_sid, error=str(error))
            return False
        return True

    def started(self, call_sid: str) -> bool:
        """Whether a job runs (or ran) for this call: its result, not Twilio's, is the transcript."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client().get_transcription_job(TranscriptionJobName=self.prefix + call_sid)
        except (ClientError, BotoCoreError):
            return False
        return True

    def call_of(self, detail: dict) -> str | None:
        """The call a job event is about; None for a job of another stack in the same account."""
        name = detail.get("TranscriptionJobName", "")
        return name.removeprefix(self.prefix) if name.startswith(self.prefix) else None


def read_transcript(deps: Dependencies, detail: dict) -> tuple[str, str | None] | None:
    """(call sid, the words or None when the job failed) for one of our jobs; None for a job of
    another stack in the same account."""
    call_sid = deps.transcription.call_of(detail)
    if call_sid is None:
        return None
    if detail.get("TranscriptionJobStatus") != "COMPLETED":
        return call_sid, None
    document = deps.files.read_json(transcript_key(call_sid))
    words = " ".join(part.get("transcript", "") for part in document["results"]["transcripts"]).strip()
    return call_sid, words or None


def job_finished(deps: Dependencies, detail: dict, now: datetime) -> str:
    """Amazon Transcribe's "job state change" event: the words on the call's case, once."""
    from chalicelib.intake.voice import add_transcript

    found = read_transcript(deps, detail)
    return "not ours" if found is None else add_transcript(deps.store, found[0], "", found[1], detail, now)
