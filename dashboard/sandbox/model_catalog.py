"""The base models the sandbox offers (``GET v1/flow/models``): a fixed handful, the same for
every team. Fine-tunes train a chat model, vector databases embed with an embedding model,
agents and base-model deployments run a chat model.

A model is named by its id, which here is its name (the SDK matches either, as a string).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
DEFAULT_EMBEDDING_MODEL = "intfloat/e5-mistral-7b-instruct"

CHAT = "chat"
EMBEDDING = "embedding"


@dataclass(frozen=True)
class CatalogModel:
    name: str
    size: int  # bytes of weights, served as ``size`` (the SDK's ``bytes``)
    model_type: str  # one of the SDK's ModelType values
    supports_lora: bool = False
    context_length: int = 8192
    dimension: int | None = None  # of an embedding model's vectors

    @property
    def id(self) -> str:
        return self.name

    def to_wire(self) -> dict:
        item = {
            "id": self.id,
            "object": "model",
            "name": self.name,
            "size": self.size,
            "model_type": self.model_type,
            "type": self.model_type,
            "supports_lora": self.supports_lora,
            "context_length": self.context_length,
        }
        if self.dimension is not None:
            item["dimension"] = self.dimension
        return item


MODELS = (
    CatalogModel(DEFAULT_MODEL, 16_060_522_496, CHAT, supports_lora=True, context_length=131072),
    CatalogModel(
        "meta-llama/Llama-3.3-70B-Instruct",
        141_107_412_992,
        CHAT,
        supports_lora=True,
        context_length=131072,
    ),
    CatalogModel("mistralai/Mistral-7B-Instruct-v0.3", 14_496_055_296, CHAT, context_length=32768),
    CatalogModel(
        "Qwen/Qwen2.5-7B-Instruct",
        15_231_233_024,
        CHAT,
        supports_lora=True,
        context_length=32768,
    ),
    CatalogModel(
        DEFAULT_EMBEDDING_MODEL, 14_220_000_000, EMBEDDING, context_length=32768, dimension=4096
    ),
    CatalogModel(
        "BAAI/bge-large-en-v1.5", 1_340_000_000, EMBEDDING, context_length=512, dimension=1024
    ),
)
_BY_NAME = {model.name: model for model in MODELS}


def find(reference: object) -> CatalogModel | None:
    """The model a client names (by id or name), or ``None``."""
    return _BY_NAME.get(str(reference)) if reference is not None else None


def chat_model(reference: object) -> CatalogModel | None:
    model = find(reference)
    return model if model is not None and model.model_type == CHAT else None


def embedding_model(reference: object) -> CatalogModel | None:
    model = find(reference)
    return model if model is not None and model.model_type == EMBEDDING else None
