import logging

from sellsafe.core import context


class RequestIdFilter(logging.Filter):
    """Stamp every log line with the request id, so a log line can be matched to an audit event."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.current().request_id
        return True
