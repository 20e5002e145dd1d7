"""Fine-tunes: start one (pending, then queued, running and completed by itself), cancel it,
read its events, and promote or demote a completed one's model."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from dashboard.sandbox import factories, model_catalog, operations, serializers
from dashboard.sandbox.api import Context
from dashboard.sandbox.enums import ACCEL_TYPES
from dashboard.sandbox.kinds import FINE_TUNES
from dashboard.sandbox.models import SandboxFile, SandboxProject
from dashboard.sandbox.validation import Fields
from dashboard.sandbox.views import references

FINE_TUNE_TYPES = ("STANDARD", "PREFERENCE", "REINFORCEMENT", "GRPO")
LORA_BIASES = ("none", "all", "lora_only")


def _lora(training: Fields, model: model_catalog.CatalogModel | None) -> dict | None:
    lora = training.nested("lora_config")
    if lora is None:
        return None
    config = {
        "r": lora.integer("r", default=8, gt=0),
        "alpha": lora.integer("alpha", default=32, gt=0),
        "dropout": lora.number("dropout", default=0.1, ge=0, le=1),
        "bias": lora.text("bias", default="none", choices=LORA_BIASES),
        "extras": lora.mapping("extras", default={}),
    }
    if model is not None and not model.supports_lora:
        training.invalid("lora_config", f"Model {model.name} does not support LoRA fine-tuning.")
    return config


def _training(ctx: Context, training: Fields) -> dict[str, Any]:
    """The training_config's values (problems noted in ``training.problems``)."""
    files = SandboxFile.objects.filter(team=ctx.team)
    name = training.text("model", required=True)
    model = model_catalog.chat_model(name)
    if name is not None and model is None:
        training.invalid("model", f"Model {name} is not a base model that can be fine-tuned.", name)
    training_ids = training.texts("training_files", required=True, min_items=1)
    references.each(training, "training_files", training_ids, files, "File")
    validation_ids = training.texts("validation_files")
    references.each(training, "validation_files", validation_ids, files, "File")
    fine_tune_type = training.text("fine_tune_type", default="STANDARD", choices=FINE_TUNE_TYPES)
    beta = training.number("beta", gt=0)
    if beta is not None and fine_tune_type != "PREFERENCE":
        training.invalid("beta", "beta is only supported for PREFERENCE (DPO) fine-tuning.", beta)
    return {
        "model": name,
        "training_files": training_ids or [],
        "validation_files": validation_ids or [],
        "n_epochs": training.integer("n_epochs", required=True, ge=1, le=100),
        "experiment_name": training.text("experiment_name", default="", max_length=100),
        "learning_rate": training.number("learning_rate", default=1e-5, gt=0, le=1),
        "n_checkpoints": training.integer("n_checkpoints", default=1, ge=1),
        "batch_size": training.integer("batch_size", default=16, ge=1, le=1024),
        "max_length": training.integer("max_length", ge=1),
        "pre_train": training.flag("pre_train", default=False),
        "fine_tune_type": fine_tune_type,
        "lora_config": _lora(training, model),
        "reward_components": training.mapping("reward_components"),
        "beta": beta,
        "gradient_checkpointing": training.flag("gradient_checkpointing"),
    }


def create(ctx: Context) -> dict:
    body = Fields.of(ctx.request)
    project_id = body.integer("project_id", required=True)
    project = references.one(
        body, "project_id", project_id, SandboxProject.objects.filter(team=ctx.team), "Project"
    )
    training = body.nested("training_config", required=True)
    values = _training(ctx, training) if training is not None else {}
    infrastructure = body.nested("infrastructure_config", required=True)
    accel_type = n_accel = n_node = None
    if infrastructure is not None:
        accel_type = infrastructure.text("accel_type", required=True, choices=ACCEL_TYPES)
        n_accel = infrastructure.integer("n_accel", required=True, ge=1, le=8)
        n_node = infrastructure.integer("n_node", default=1, ge=1, le=16)
    body.problems.raise_any()
    shown = ("experiment_name", "model", "training_files", "n_epochs")
    options = {
        name: value for name, value in values.items() if name not in shown and value is not None
    }
    job = factories.create_fine_tune(
        ctx.team,
        ctx.user,
        live=True,
        model=values["model"],
        experiment_name=values["experiment_name"],
        accel_type=accel_type,
        n_accel=n_accel,
        training_files=values["training_files"],
        project_id=project.pk,
        n_epochs=values["n_epochs"],
        options={**options, "n_node": n_node},
    )
    SandboxProject.objects.filter(pk=project.pk).update(
        runs=F("runs") + 1, updated_at=job.created_at
    )
    return serializers.fine_tune(job)


def cancel(ctx: Context, pk: str) -> dict:
    return serializers.fine_tune(operations.cancel_fine_tune(FINE_TUNES.get(ctx.team, pk)))


def events(ctx: Context, pk: str) -> dict:
    return {"object": "list", "data": serializers.fine_tune_events(FINE_TUNES.get(ctx.team, pk))}


def _served(served: bool):
    """The job, as the answer the SDK reads (as a list of events: so without its ``object``)."""

    def handler(ctx: Context, pk: str) -> dict:
        job = operations.set_fine_tune_served(FINE_TUNES.get(ctx.team, pk), served)
        shown = serializers.fine_tune(job)
        shown.pop("object")
        return shown

    return handler


promote = _served(True)
demote = _served(False)
