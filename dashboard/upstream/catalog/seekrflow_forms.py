"""The SeekrFlow kinds' forms: create, edit and operations, each exactly as the official SDK
sends the call (``docs/upstream.md``, "Creating and changing resources")."""

from __future__ import annotations

from dashboard.upstream.catalog.forms import Choices, FieldType, FormField, FormSpec, choose
from dashboard.upstream.catalog.types import ListFilter, Wrapping

# --- Where choices come from ----------------------------------------------------------------
CHAT_MODELS = Choices(
    path="v1/flow/models", wrapping=Wrapping.DATA, label="name", where=(("model_type", "chat"),)
)
EMBEDDING_MODELS = Choices(
    path="v1/flow/models",
    wrapping=Wrapping.DATA,
    label="name",
    where=(("model_type", "embedding"),),
)
TRAINING_FILES = Choices(kind="files", where=(("purpose", "fine-tune"),))
TEAM_FILES = Choices(kind="files")
PROJECTS = Choices(kind="projects")
TOOLS = Choices(kind="tools")
VECTOR_DBS = Choices(kind="vector-dbs")
PYTHON_FUNCTIONS = Choices(kind="python-functions")
DONE_FINE_TUNES = Choices(kind="fine-tunes", where=(("status", "completed"),))

# Some of the team's files, sent as their ids (adding files to a vector database or a data job)
TEAM_FILE_IDS = FormField("file_ids", "Files", FieldType.CHOICES, choices=TEAM_FILES, required=True)

PURPOSES = choose(
    "fine-tune", "Fine-tuning",
    "preference-fine-tune", "Preference fine-tuning",
    "reinforcement-fine-tune", "Reinforcement fine-tuning",
    "pre-train", "Pre-training",
    "alignment", "Alignment (documents)",
)  # fmt: skip
FILE_PURPOSE = ListFilter("purpose", "Purpose", PURPOSES)

# --- Files -------------------------------------------------------------------------------------
RENAME_FILE = FormSpec(
    name="rename",
    label="Rename",
    intro="Give the file a new name. Its content and its ID stay the same.",
    method="PUT",
    path="v1/flow/files/{id}/rename",
    fields=(
        FormField(
            "new_filename",
            "New name",
            required=True,
            max_length=255,
            from_field="filename",
            help="Keep the extension: it tells what the file holds (.jsonl, .md…).",
        ),
    ),
    prefill=True,
)

# --- Fine-tunes --------------------------------------------------------------------------------
ACCELERATORS = choose(
    "H100", "NVIDIA H100", "A100", "NVIDIA A100", "A10", "NVIDIA A10",
    "GAUDI2", "Intel Gaudi 2", "GAUDI3", "Intel Gaudi 3", "MI300X", "AMD MI300X",
)  # fmt: skip
FINE_TUNE_TYPES = choose(
    "STANDARD", "Standard", "PREFERENCE", "Preference", "REINFORCEMENT", "Reinforcement",
    "GRPO", "GRPO",
)  # fmt: skip

CREATE_FINE_TUNE = FormSpec(
    name="create",
    label="Start a fine-tune",
    intro=(
        "Train a base model on the team's own examples. Training runs on the upstream's "
        "machines and can take hours; its page shows how it goes."
    ),
    method="POST",
    path="v1/flow/fine-tunes",
    fields=(
        FormField(
            "experiment_name",
            "Name",
            path="training_config.experiment_name",
            max_length=100,
            help="A name to find this run by, e.g. “support-tone-v2”.",
        ),
        FormField(
            "project_id",
            "Project",
            FieldType.CHOICE,
            choices=PROJECTS,
            as_int=True,
            required=True,
            help="Fine-tunes are grouped in projects. Create one first if the team has none.",
        ),
        FormField(
            "model",
            "Base model",
            FieldType.CHOICE,
            path="training_config.model",
            choices=CHAT_MODELS,
            required=True,
            help="The model to start from.",
        ),
        FormField(
            "training_files",
            "Training files",
            FieldType.CHOICES,
            path="training_config.training_files",
            choices=TRAINING_FILES,
            required=True,
            help="The team's JSON Lines files uploaded for fine-tuning.",
        ),
        FormField(
            "validation_files",
            "Validation files",
            FieldType.CHOICES,
            path="training_config.validation_files",
            choices=TRAINING_FILES,
            help="Optional: examples held back to measure how well the model learnt.",
        ),
        FormField(
            "n_epochs",
            "Epochs",
            FieldType.INTEGER,
            path="training_config.n_epochs",
            required=True,
            min_value=1,
            max_value=100,
            initial=3,
            help="How many times training goes through the files. 1 to 5 is usual.",
        ),
        FormField(
            "accel_type",
            "Accelerator",
            FieldType.CHOICE,
            path="infrastructure_config.accel_type",
            choices=Choices(static=ACCELERATORS),
            required=True,
            initial="H100",
            help="The kind of machine it trains on.",
        ),
        FormField(
            "n_accel",
            "Accelerators",
            FieldType.INTEGER,
            path="infrastructure_config.n_accel",
            required=True,
            min_value=1,
            max_value=8,
            initial=8,
            help="How many of them, on each machine.",
        ),
        FormField(
            "n_node",
            "Machines",
            FieldType.INTEGER,
            path="infrastructure_config.n_node",
            min_value=1,
            max_value=16,
            initial=1,
            advanced=True,
        ),
        FormField(
            "fine_tune_type",
            "Kind of fine-tuning",
            FieldType.CHOICE,
            path="training_config.fine_tune_type",
            choices=Choices(static=FINE_TUNE_TYPES),
            required=True,
            initial="STANDARD",
            advanced=True,
        ),
        FormField(
            "learning_rate",
            "Learning rate",
            FieldType.DECIMAL,
            path="training_config.learning_rate",
            min_value=0,
            max_value=1,
            advanced=True,
            help="How far each step moves the model, e.g. 0.00001.",
        ),
        FormField(
            "batch_size",
            "Batch size",
            FieldType.INTEGER,
            path="training_config.batch_size",
            min_value=1,
            max_value=1024,
            advanced=True,
        ),
        FormField(
            "max_length",
            "Longest example (tokens)",
            FieldType.INTEGER,
            path="training_config.max_length",
            min_value=1,
            advanced=True,
        ),
        FormField(
            "n_checkpoints",
            "Checkpoints",
            FieldType.INTEGER,
            path="training_config.n_checkpoints",
            min_value=1,
            advanced=True,
        ),
    ),
    fixed=(("training_config.pre_train", False),),
)

# --- Agents ------------------------------------------------------------------------------------
REASONING = choose(
    "low", "Low", "medium", "Medium", "high", "High",
    "performance_optimized", "Performance optimised", "speed_optimized", "Speed optimised",
)  # fmt: skip
OUTPUT_FREQUENCY = choose("always", "Always", "never", "Never", "automatic", "Automatic")


def _agent_fields(*, creating: bool) -> tuple[FormField, ...]:
    fields = (
        FormField("name", "Name", required=creating, max_length=100),
        FormField(
            "instructions",
            "Instructions",
            FieldType.TEXTAREA,
            required=creating,
            help="What the agent is for and how it should answer, in plain words.",
        ),
        FormField(
            "model_id",
            "Model",
            FieldType.CHOICE,
            choices=CHAT_MODELS,
            required=creating,
            help="The model that writes its answers.",
        ),
        FormField(
            "tool_ids",
            "Tools",
            FieldType.CHOICES,
            choices=TOOLS,
            from_field="tools",
            help="What the agent may use while answering: searching the team's documents…",
        ),
        FormField(
            "reasoning_effort",
            "Reasoning effort",
            FieldType.CHOICE,
            choices=Choices(static=REASONING),
            initial="medium" if creating else None,
            advanced=True,
        ),
        FormField(
            "temperature",
            "Temperature",
            FieldType.DECIMAL,
            min_value=0,
            max_value=2,
            advanced=True,
            help="0 answers the same way each time; higher values vary more.",
        ),
    )
    if not creating:
        return fields
    return fields + (
        FormField(
            "output_frequency",
            "Final answer pass",
            FieldType.CHOICE,
            path="output.frequency",
            choices=Choices(static=OUTPUT_FREQUENCY),
            advanced=True,
            help="Whether a last pass rewrites the answer (with the settings below).",
        ),
        FormField(
            "output_instructions",
            "Its instructions",
            FieldType.TEXTAREA,
            path="output.instructions",
            advanced=True,
        ),
        FormField(
            "output_model_id",
            "Its model",
            FieldType.CHOICE,
            path="output.model_id",
            choices=CHAT_MODELS,
            advanced=True,
        ),
        FormField(
            "output_temperature",
            "Its temperature",
            FieldType.DECIMAL,
            path="output.temperature",
            min_value=0,
            max_value=2,
            advanced=True,
        ),
    )


CREATE_AGENT = FormSpec(
    name="create",
    label="Create agent",
    intro=(
        "An agent answers on threads, following its instructions, with a model and the tools "
        "you give it. It belongs to the team; anyone in it can run it."
    ),
    method="POST",
    path="v2/flow/agents/create",
    fields=_agent_fields(creating=True),
)
EDIT_AGENT = FormSpec(
    name="edit",
    label="Edit",
    intro="Change what the agent does. You see the change before it is saved.",
    method="PATCH",
    path="v2/flow/agents/{id}",
    diff_path="v2/flow/agents/{id}/diff",
    fields=_agent_fields(creating=False),
    prefill=True,
)

# --- Tools -------------------------------------------------------------------------------------
TOOL_TYPES = choose(
    "file_search", "Search the team's documents (a vector database)",
    "web_search", "Search the web",
    "run_python", "Run Python (the team's functions)",
    "mcp_connector", "Connect an MCP server",
)  # fmt: skip
FILE_SEARCH = (("type", "file_search"),)
RUN_PYTHON = (("type", "run_python"),)
MCP = (("type", "mcp_connector"),)


def _tool_fields(*, creating: bool) -> tuple[FormField, ...]:
    return (
        FormField(
            "type",
            "What it does",
            FieldType.CHOICE,
            choices=Choices(static=TOOL_TYPES),
            required=True,
            help="The settings below depend on it.",
        ),
        FormField("name", "Name", required=creating, max_length=100),
        FormField("description", "Description", FieldType.TEXTAREA, help="When to use it."),
        FormField(
            "file_search_index",
            "Vector database",
            FieldType.CHOICE,
            path="config.file_search_index",
            choices=VECTOR_DBS,
            required=True,
            when=FILE_SEARCH,
            help="The team's documents it searches.",
        ),
        FormField(
            "top_k",
            "Results per search",
            FieldType.INTEGER,
            path="config.top_k",
            min_value=1,
            max_value=100,
            initial=10 if creating else None,
            when=FILE_SEARCH,
            advanced=True,
        ),
        FormField(
            "score_threshold",
            "Smallest relevance kept",
            FieldType.DECIMAL,
            path="config.score_threshold",
            min_value=0,
            max_value=0.99,
            when=FILE_SEARCH,
            advanced=True,
        ),
        FormField(
            "function_ids",
            "Python functions",
            FieldType.CHOICES,
            path="config.function_ids",
            choices=PYTHON_FUNCTIONS,
            required=True,
            when=RUN_PYTHON,
        ),
        FormField(
            "url",
            "Server address",
            path="config.url",
            required=True,
            max_length=500,
            when=MCP,
            help="The MCP server's URL, e.g. https://mcp.example.com/sse.",
        ),
        FormField("client_id", "Client ID", path="config.client_id", when=MCP, advanced=True),
        FormField(
            "client_secret", "Client secret", path="config.client_secret", when=MCP, advanced=True
        ),
    )


CREATE_TOOL = FormSpec(
    name="create",
    label="Create tool",
    intro="A tool is something agents can use while they answer. Give it to agents afterwards.",
    method="POST",
    path="v1/flow/tools",
    fields=_tool_fields(creating=True),
    fixed=(("config", {}),),
    uppercase_keys_of=("config",),
)
EDIT_TOOL = FormSpec(
    name="edit",
    label="Edit",
    intro="Change the tool. You see the change before it is saved; agents using it follow.",
    method="PATCH",
    path="v1/flow/tools/{id}",
    diff_path="v1/flow/tools/{id}/diff",
    fields=_tool_fields(creating=False),
    prefill=True,
    uppercase_keys_of=("config",),
)
DUPLICATE_TOOL = FormSpec(
    name="duplicate",
    label="Duplicate",
    intro="A copy of this tool, in the same team, with its settings.",
    method="POST",
    path="v1/flow/tools/{id}/duplicate",
    fields=(FormField("name", "Name of the copy", max_length=100),),
    opens_result=True,
)

# --- Python functions --------------------------------------------------------------------------
PYTHON_FILE = FormField(
    "file",
    "Python file (.py)",
    FieldType.FILE,
    required=True,
    accept=(".py",),
    help="Plain Python source, up to 1 MB.",
)
CREATE_FUNCTION = FormSpec(
    name="create",
    label="Add a Python function",
    intro=(
        "A Python file whose functions agents can run (through a “Run Python” tool). Its name "
        "comes from the file's name, its description from the module's docstring."
    ),
    method="POST",
    path="v1/functions/",
    fields=(PYTHON_FILE,),
    multipart=True,
)
REPLACE_FUNCTION = FormSpec(
    name="replace",
    label="Replace the code",
    intro="Upload a new version of the file. Tools using the function run the new code.",
    method="PATCH",
    path="v1/functions/{id}",
    fields=(PYTHON_FILE,),
    multipart=True,
)

# --- Vector databases --------------------------------------------------------------------------
CREATE_VECTOR_DB = FormSpec(
    name="create",
    label="Create vector database",
    intro=(
        "A vector database makes the team's documents searchable by meaning: agents search it "
        "through a “Search the team's documents” tool. Add files to it once it exists."
    ),
    method="POST",
    path="v1/flow/vectordb",
    fields=(
        FormField("name", "Name", required=True, max_length=100),
        FormField(
            "model",
            "Embedding model",
            FieldType.CHOICE,
            choices=EMBEDDING_MODELS,
            required=True,
            help="The model that turns text into vectors.",
        ),
        FormField("description", "Description", FieldType.TEXTAREA),
    ),
    keep_nulls=True,
)
ADD_VECTOR_DB_FILES = FormSpec(
    name="add-files",
    label="Add files",
    intro=(
        "Read some of the team's files into the database. This runs as an ingestion job; the "
        "page follows it until it ends."
    ),
    method="POST",
    path="v1/flow/vectordb/{id}/ingestion",
    fields=(
        TEAM_FILE_IDS,
        FormField(
            "method",
            "Method",
            FieldType.CHOICE,
            choices=Choices(
                static=choose(
                    "accuracy-optimized", "Accuracy first", "speed-optimized", "Speed first"
                )
            ),
            required=True,
            initial="accuracy-optimized",
            advanced=True,
        ),
        FormField(
            "chunking_method",
            "Cut documents by",
            FieldType.CHOICE,
            choices=Choices(static=choose("markdown", "Their headings", "sentence", "Sentences")),
            required=True,
            initial="markdown",
            advanced=True,
        ),
        FormField(
            "token_count",
            "Piece size (tokens)",
            FieldType.INTEGER,
            required=True,
            min_value=50,
            max_value=8000,
            initial=800,
            advanced=True,
        ),
        FormField(
            "overlap_tokens",
            "Overlap (tokens)",
            FieldType.INTEGER,
            required=True,
            min_value=0,
            max_value=1000,
            initial=100,
            advanced=True,
        ),
    ),
)

# --- Projects ----------------------------------------------------------------------------------
CREATE_PROJECT = FormSpec(
    name="create",
    label="Create project",
    intro="A project groups fine-tuning runs, for example one per use case.",
    method="POST",
    path="v1/flow/projects",
    fields=(
        FormField("name", "Name", required=True, min_length=5, max_length=100),
        FormField(
            "description",
            "Description",
            FieldType.TEXTAREA,
            required=True,
            min_length=5,
            max_length=1000,
        ),
    ),
    fixed=(("id", None),),
)

# --- Deployments -------------------------------------------------------------------------------
MODEL_TYPES = choose("Base Model", "A base model", "Fine-tuned Run", "A completed fine-tune")

CREATE_DEPLOYMENT = FormSpec(
    name="create",
    label="Deploy a model",
    intro="Serve a model for inference, on machines of its own.",
    method="POST",
    path="v1/flow/deployments",
    fields=(
        FormField("name", "Name", required=True, max_length=100),
        FormField("description", "Description", FieldType.TEXTAREA, required=True),
        FormField(
            "model_type",
            "What to deploy",
            FieldType.CHOICE,
            choices=Choices(static=MODEL_TYPES),
            required=True,
        ),
        FormField(
            "base_model",
            "Base model",
            FieldType.CHOICE,
            path="model_id",
            choices=CHAT_MODELS,
            required=True,
            when=(("model_type", "Base Model"),),
        ),
        FormField(
            "fine_tune",
            "Fine-tune",
            FieldType.CHOICE,
            path="model_id",
            choices=DONE_FINE_TUNES,
            required=True,
            when=(("model_type", "Fine-tuned Run"),),
            help="One of the team's completed fine-tunes.",
        ),
        FormField(
            "n_instances",
            "Instances",
            FieldType.INTEGER,
            required=True,
            min_value=1,
            max_value=16,
            initial=1,
            help="How many copies serve it at once.",
        ),
    ),
)

# --- Data jobs ---------------------------------------------------------------------------------
JOB_TYPES = choose(
    "principle_files", "From principle files",
    "context_grounded_files", "Grounded in the team's files",
    "context_grounded_vector_db", "Grounded in a vector database",
)  # fmt: skip

CREATE_DATA_JOB = FormSpec(
    name="create",
    label="Create data job",
    intro=(
        "A data job prepares training examples from the team's documents. Add files to it, "
        "then start it."
    ),
    method="POST",
    path="v1/flow/data-jobs",
    fields=(
        FormField("name", "Name", required=True, max_length=100),
        FormField(
            "job_type",
            "Kind of job",
            FieldType.CHOICE,
            choices=Choices(static=JOB_TYPES),
            required=True,
            initial="principle_files",
        ),
        FormField("instructions", "Instructions", FieldType.TEXTAREA),
        FormField("system_prompt", "System prompt", FieldType.TEXTAREA, advanced=True),
    ),
    keep_nulls=True,
)
EDIT_DATA_JOB = FormSpec(
    name="edit",
    label="Edit",
    intro="Change the job's name, instructions or system prompt.",
    method="PATCH",
    path="v1/flow/data-jobs/{id}",
    fields=(
        FormField("name", "Name", max_length=100),
        FormField("instructions", "Instructions", FieldType.TEXTAREA),
        FormField("system_prompt", "System prompt", FieldType.TEXTAREA),
    ),
    prefill=True,
)
ADD_DATA_JOB_FILES = FormSpec(
    name="add-files",
    label="Add files",
    intro="Give the job some of the team's files to prepare examples from.",
    method="POST",
    path="v1/flow/data-jobs/{id}/add-files",
    fields=(TEAM_FILE_IDS,),
    fixed=(("method", "accuracy-optimized"),),
)
REMOVE_DATA_JOB_FILES = FormSpec(
    name="remove-files",
    label="Remove files",
    intro="Take some files out of the job; the files themselves stay in the team.",
    method="POST",
    path="v1/flow/data-jobs/{id}/remove-files",
    fields=(TEAM_FILE_IDS,),
)
