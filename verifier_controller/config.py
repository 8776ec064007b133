from pydantic_settings import SettingsConfigDict

from common.settings import ControllerSettings


class VerifierSettings(ControllerSettings):
    """Env vars ``MCRED_VERIFIER_*`` (e.g. ``MCRED_VERIFIER_AGENT_ADMIN_URL``)."""

    model_config = SettingsConfigDict(env_prefix="MCRED_VERIFIER_", env_file=".env", extra="ignore")
