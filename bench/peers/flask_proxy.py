"""Celery peer of scenario 2: the original's proxy, a Flask app whose /execute queues a Celery task
on Redis and answers its id, as yenonn/skywalker's task-controller does (Celery with a Redis broker
and a Redis result backend whose results expire after an hour).

Served by gunicorn, as a user would deploy it (the original ran Flask's development server):
  BENCH_REDIS_URL=redis://127.0.0.1:6379 python3 -m gunicorn -w 5 -b 127.0.0.1:8000 flask_proxy:app
BENCH_RESULT_BACKEND=none drops the result backend (a leaner Celery setup than the original's).
"""
import os

from celery import Celery
from flask import Flask, jsonify, request

redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
backend = None if os.environ.get("BENCH_RESULT_BACKEND", "redis") == "none" else redis_url
celery = Celery("skywalker", broker=redis_url, backend=backend, result_expires=3600)
celery.conf.task_default_queue = os.environ.get("BENCH_QUEUE", "celery")

app = Flask(__name__)


@app.route("/execute", methods=["POST", "GET"])
def execute():
    config = request.get_json()
    # The original calls run.delay(job_config=config); send_task queues the same message without
    # importing the task's module, as a proxy that holds no function code would.
    task = celery.send_task("job_controller.run", kwargs={"job_config": config})
    return jsonify(task_id=task.id, status="queued"), 202


@app.route("/healthz")
def healthz():
    return "ok"
