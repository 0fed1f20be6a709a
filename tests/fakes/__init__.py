"""Local fakes of the platforms' HTTP APIs, for adapter tests through the real client libraries."""
