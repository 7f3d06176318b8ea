"""The Celery app that dagster-celery workers run, for the ``extract_documents_celery`` job (one task per batch
partition: the worker extracts the batch's documents in child processes under the limits, like the CLI).

Start a worker on any machine that sees the raw folder, the warehouse folder (``staging/`` and the batch records
under ``batches/``) and the Dagster instance (PostgreSQL storage, see ``deploy/dagster.celery.yaml``)::

    CNBUDGET_CELERY_BROKER=redis://broker-host:6379/0 celery -A pipelines.celery_worker worker \
        --concurrency 2 --prefetch-multiplier 1 -n extract1@%h

The executor side (``pipelines.definitions.celery_extract_executor``) reads the same variables, so the
runs' steps land on the queue these workers listen to.
"""
from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from .config import celery_urls

_broker, _backend = celery_urls()
app = make_app(CeleryExecutor.for_cli(broker=_broker, backend=_backend).app_args())
execute_plan = create_task(app)
