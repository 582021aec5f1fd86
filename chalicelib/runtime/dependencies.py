"""The dependencies object: what the code below the edge needs from the outside world, built once
per container by `chalicelib.edge.dependencies` and passed down (as in the Chalice todo sample).
Nothing below the edge reads the environment, a global context or a client of its own."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.intake.transcription import TranscriptionJobs
    from chalicelib.model.institution import Institution
    from chalicelib.notify.ses import SesEmail
    from chalicelib.notify.tencent import TencentSms
    from chalicelib.notify.twilio import TwilioSms
    from chalicelib.store.files import MediaFiles
    from chalicelib.store.spool import Spool
    from chalicelib.store.stores import Stores


@dataclass(frozen=True)
class Dependencies:
    store: "Stores"
    institution: "Institution"
    base_url: str  # the public URL of the API: links, Twilio callbacks, signature checks
    sms: "TwilioSms"  # the SMS and voice provider
    email: "SesEmail"  # the email provider
    tencent_sms: "TencentSms"  # SMS to and from mainland China numbers (sending profiles)
    files: "MediaFiles"  # the mail/media bucket
    transcription: "TranscriptionJobs"  # Amazon Transcribe, for voicemail Twilio cannot transcribe
    spool: "Spool"  # Twilio deliveries that could not be filed in time, until the spool replay files them
