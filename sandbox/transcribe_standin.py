"""What Amazon Transcribe and EventBridge do in AWS, for the sandbox's simulated Chinese calls:
the job the app started (on moto, which never finishes it) gets its transcript file at the
output key the app asked for -- the words the simulated caller "said" -- and then the work of
the `transcribed` function runs, as the EventBridge rule would invoke it."""

import json

from chalicelib.edge import dependencies
from chalicelib.intake.transcription import job_finished, transcript_key
from chalicelib.runtime import environment
from chalicelib.runtime.clock import now


def complete(call_sid: str, words: str) -> str:
    deps = dependencies.current()
    name = deps.transcription.prefix + call_sid
    job = environment.aws_client("transcribe").get_transcription_job(TranscriptionJobName=name)["TranscriptionJob"]
    deps.files.put(
        transcript_key(call_sid),
        json.dumps(
            {
                "jobName": name,
                "status": "COMPLETED",
                "results": {"transcripts": [{"transcript": words}], "language_code": job["LanguageCode"]},
            },
            ensure_ascii=False,
        ).encode(),
        "application/json",
    )
    return job_finished(deps, {"TranscriptionJobName": name, "TranscriptionJobStatus": "COMPLETED"}, now())
