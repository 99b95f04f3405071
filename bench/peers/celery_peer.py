"""Celery peer of scenario 1: a no-op task on the same Redis, jobs preloaded, one worker.

Usage: celery_peer.py REDIS_URL JOBS CONCURRENCY  -> prints jobs/s on its last line.
The worker imports this module too, so its settings come from the environment.
"""
import os, subprocess, sys, time, uuid
from celery import Celery

app = Celery("peer", broker=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379"), backend=None)
app.conf.task_default_queue = os.environ.get("BENCH_QUEUE", "bench")
app.conf.task_ignore_result = True
app.conf.worker_prefetch_multiplier = 4


@app.task(name="noop")
def noop():
    return None


def main():
    redis_url, jobs, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "BENCH_REDIS_URL": redis_url, "BENCH_QUEUE": queue}
    app.conf.broker_url = redis_url
    app.conf.task_default_queue = queue
    for _ in range(jobs):
        noop.apply_async(queue=queue)
    import redis
    client = redis.Redis.from_url(redis_url)
    started = time.monotonic()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_peer", "worker", "-Q", queue, "-c", str(concurrency),
         "-P", "threads" if concurrency > 1 else "solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=os.path.dirname(os.path.abspath(__file__)), env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr,
    )
    deadline = started + 300
    # the clock starts when the worker has booted and takes its first tasks, as for the other peers
    while client.llen(queue) >= jobs and time.monotonic() < deadline:
        time.sleep(0.005)
    started, remaining = time.monotonic(), client.llen(queue)
    while client.llen(queue) > 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    # the tasks prefetched last are done within a few milliseconds of the queue emptying
    elapsed = time.monotonic() - started
    jobs = remaining
    worker.terminate()
    worker.wait()
    print(jobs / elapsed)


if __name__ == "__main__":
    main()
