"""人工服务: queue, sessions and transcripts of users handed to staff, and the shared marker."""
