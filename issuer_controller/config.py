from pydantic_settings import SettingsConfigDict

from common.settings import ControllerSettings


class IssuerSettings(ControllerSettings):
    """Env vars ``MCRED_ISSUER_*`` (e.g. ``MCRED_ISSUER_AGENT_ADMIN_URL``)."""

    model_config = SettingsConfigDict(env_prefix="MCRED_ISSUER_", env_file=".env", extra="ignore")
