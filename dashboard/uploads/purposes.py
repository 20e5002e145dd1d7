"""What an uploaded file can be for, and which file types each purpose takes.

This table is the one place that says so: the upload page lists it for people, the browser
script reads it from the page for its checks before sending, and the server checks against it
again. The purposes and type names are the upstream's (``docs/upstream.md``, "Files"); which
purpose takes which types is the dashboard's policy, following the SDK's own type groups:
training data is JSON Lines or Parquet, pre-training also takes plain text, and alignment takes
documents.
``pt`` (a PyTorch checkpoint) is in the upstream's type list but no purpose uploads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

TRAINING_DATA_TYPES = ("jsonl", "parquet")
DOCUMENT_TYPES = (
    "pdf",
    "docx",
    "doc",
    "pptx",
    "ppt",
    "md",
    "txt",
    "html",
    "rst",
    "rtf",
    "xml",
    "json",
    "jsonl",
    "csv",
)
JSON_LINES = "jsonl"  # files of this type are checked line by line before they are sent


@dataclass(frozen=True)
class Purpose:
    value: str  # the upstream's name for it
    label: str
    description: str  # what it is for, in plain words
    file_types: tuple[str, ...]
    asks_upstream_first: bool = False  # the upstream's validate_metadata is asked before sending

    @property
    def types_text(self) -> str:
        """The file types, as a person reads them: ".jsonl, .parquet"."""
        return ", ".join(f".{t}" for t in self.file_types)

    @property
    def types_attr(self) -> str:
        """The file types for the page's script: "jsonl parquet"."""
        return " ".join(self.file_types)

    def takes(self, file_type: str) -> bool:
        return file_type in self.file_types


PURPOSES: tuple[Purpose, ...] = (
    Purpose(
        "fine-tune",
        "Fine-tuning",
        "Examples that teach a model to answer the way you want: one conversation, or one "
        "prompt with its answer, per line.",
        TRAINING_DATA_TYPES,
    ),
    Purpose(
        "preference-fine-tune",
        "Preference fine-tuning",
        "Prompts, each with a better and a worse answer, so the model learns which answers "
        "people prefer.",
        TRAINING_DATA_TYPES,
    ),
    Purpose(
        "reinforcement-fine-tune",
        "Reinforcement fine-tuning",
        "Prompts with what a good answer must contain, so the model can be trained by scoring "
        "its own answers.",
        TRAINING_DATA_TYPES,
    ),
    Purpose(
        "pre-train",
        "Pre-training",
        "Text in bulk (articles, books, records) to teach a model the language of your field "
        "before any fine-tuning.",
        (*TRAINING_DATA_TYPES, "txt"),
    ),
    Purpose(
        "alignment",
        "Alignment documents",
        "Your own documents (policies, manuals, reports, slides) from which SeekrFlow builds "
        "training data that follows them.",
        DOCUMENT_TYPES,
        asks_upstream_first=True,
    ),
)

_BY_VALUE = {p.value: p for p in PURPOSES}


def purpose_for(value: str | None) -> Purpose | None:
    return _BY_VALUE.get((value or "").strip())


def suffix_of(filename: str) -> str:
    """The extension as written, without its dot ("" when there is none), as the SDK sends it."""
    return PurePosixPath(filename).suffix.lstrip(".")


def file_type_of(filename: str) -> str:
    """The file's type as the checks compare it: the extension, lower-cased."""
    return suffix_of(filename).lower()
