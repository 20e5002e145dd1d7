"""The values the upstream's enums allow, and the check that a value is one of them.

Whatever the sandbox stores or answers in an enum field is one of these, so a response always
parses with the official SDK's models.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dashboard.sandbox import errors

FILE_PURPOSES = (
    "fine-tune",
    "preference-fine-tune",
    "reinforcement-fine-tune",
    "pre-train",
    "alignment",
)
TRAINING_FILE_TYPES = ("jsonl", "parquet", "pt")  # the SDK's TrainingFileType
ALIGNMENT_FILE_TYPES = (  # the SDK's AlignmentFileType
    "html",
    "md",
    "rst",
    "rtf",
    "txt",
    "xml",
    "json",
    "jsonl",
    "csv",
    "doc",
    "docx",
    "pdf",
    "ppt",
    "pptx",
)
FILE_TYPES = tuple(dict.fromkeys(TRAINING_FILE_TYPES + ALIGNMENT_FILE_TYPES))
FINE_TUNE_STATUSES = ("pending", "queued", "running", "cancelled", "failed", "completed", "deleted")
FINE_TUNE_ACTIVE = frozenset({"pending", "queued", "running"})
ACCEL_TYPES = ("GAUDI2", "GAUDI3", "A100", "A10", "H100", "MI300X")
AGENT_STATUSES = ("Inactive", "Pending", "Active", "Updating", "Failed")
REASONING_EFFORTS = ("low", "medium", "high", "performance_optimized", "speed_optimized")
TOOL_TYPES = ("file_search", "web_search", "run_python", "agent_as_tool", "mcp_connector")
TOOL_STATUSES = ("Active", "Pending_authorization", "Inactive", "Deprecated", "Failed")
DEPLOYMENT_TYPES = ("Fine-tuned Run", "Base Model")
DEPLOYMENT_STATUSES = ("Inactive", "Pending", "Active", "Failed", "Started", "Success")
DATA_JOB_TYPES = ("principle_files", "context_grounded_files", "context_grounded_vector_db")
DATA_JOB_STATUSES = (
    "file_processing",
    "needs_review",
    "ready_to_start",
    *("pending", "queued", "running", "cancelled", "failed", "completed", "stopped"),
)
MESSAGE_ROLES = ("user", "assistant", "system", "tool")


def check_choice(value: Any, choices: Iterable[str], what: str) -> str:
    """``value`` itself when it is one of ``choices``; 400 naming the allowed values otherwise."""
    if value not in choices:
        raise errors.BadRequest(f"Unknown {what} {value!r}; expected one of: {', '.join(choices)}.")
    return value
