"""The CRM core: models, unit of work and service functions. Knows nothing of chat,
language understanding or scheduling libraries."""
