"""Creating projects and deployments, and the base models a team may use (``v1/flow/models``).

A deployment serves a chat model of the catalog or one of the team's completed fine-tunes; it
is Pending, then Active by itself. Promoting one that is down deploys it again; demoting takes
it down.
"""

from __future__ import annotations

from dashboard.sandbox import factories, model_catalog, operations, serializers
from dashboard.sandbox.api import Context
from dashboard.sandbox.enums import DEPLOYMENT_TYPES
from dashboard.sandbox.kinds import DEPLOYMENTS
from dashboard.sandbox.validation import Fields
from dashboard.sandbox.views import references


def models(ctx: Context) -> dict:
    return {"object": "list", "data": [model.to_wire() for model in model_catalog.MODELS]}


def create_project(ctx: Context) -> dict:
    body = Fields.of(ctx.request)
    name = body.text("name", required=True, min_length=5, max_length=100)
    description = body.text("description", required=True, min_length=5, max_length=1000)
    body.problems.raise_any()
    return serializers.project(
        factories.create_project(ctx.team, ctx.user, name=name, description=description)
    )


def _deployable(ctx: Context, model_type: str, model_id: str) -> bool:
    if model_type == "Base Model":
        return model_catalog.chat_model(model_id) is not None
    return references.completed_fine_tune(ctx.team, model_id) is not None


def create_deployment(ctx: Context) -> dict:
    body = Fields.of(ctx.request)
    name = body.text("name", required=True, min_length=5, max_length=100)
    description = body.text("description", required=True, min_length=5, max_length=1000)
    model_type = body.text("model_type", required=True, choices=DEPLOYMENT_TYPES)
    model_id = body.text("model_id", required=True, min_length=1)
    n_instances = body.integer("n_instances", required=True, ge=1, le=50)
    if model_id and model_type and not _deployable(ctx, model_type, model_id):
        body.invalid(
            "model_id",
            f"{model_id} is not a base model, or a completed fine-tune of this team.",
            model_id,
        )
    body.problems.raise_any()
    deployment = factories.create_deployment(
        ctx.team,
        ctx.user,
        name=name,
        description=description,
        model_type=model_type,
        model_id=model_id,
        n_instances=n_instances,
        live=True,
    )
    return serializers.deployment(deployment)


def promote_deployment(ctx: Context, pk: str) -> dict:
    return serializers.deployment(operations.promote_deployment(DEPLOYMENTS.get(ctx.team, pk)))


def demote_deployment(ctx: Context, pk: str) -> dict:
    return serializers.deployment(operations.demote_deployment(DEPLOYMENTS.get(ctx.team, pk)))
