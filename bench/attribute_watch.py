"""Consistency check: calls Attribute (last touch) on one day every 0.5 s while another process
ingests, and reports whether the tenant's conversions (converting journeys plus conversions
without touches) only ever rose, and where they ended.

Usage: attribute_watch.py GENERATED_DIR SERVER CA_FILE KEY_FILE DAY SECONDS

As run for bench/README.md, with the dev server up and the bench-events tenant:
    BENCH_EVENTS=600000 bench/ingest-events &    # in the background
    .tradewind/venv-python/bin/python bench/attribute_watch.py bench/results/<run>-ingest/generated \\
        127.0.0.1:7443 .tradewind/ca/ca.pem .tradewind/bench-events-key "$(date -u -d yesterday +%F)" 45
"""

import json
import sys
import time

generated, server, ca_path, key_path, day, seconds = sys.argv[1:7]
sys.path.insert(0, generated)

import grpc  # noqa: E402
from tradewind.v1 import analytics_pb2, analytics_pb2_grpc  # noqa: E402

key = open(key_path).read().strip()
metadata = (("authorization", f"Bearer {key}"),)
channel = grpc.secure_channel(
    server,
    grpc.ssl_channel_credentials(open(ca_path, "rb").read()),
    options=(("grpc.ssl_target_name_override", "localhost"),),
)
stub = analytics_pb2_grpc.AnalyticsStub(channel)
request = analytics_pb2.AttributeRequest(
    range=analytics_pb2.DayRange(from_day=day, to_day=day), models=[analytics_pb2.ATTRIBUTION_MODEL_LAST_TOUCH]
)
seen = []
deadline = time.time() + float(seconds)
while time.time() < deadline:
    answer = stub.Attribute(request, metadata=metadata, timeout=60)
    seen.append(answer.converting_journeys + answer.conversions_without_touches)
    time.sleep(0.5)
print(json.dumps({"calls": len(seen), "first": seen[0], "last": seen[-1],
                  "monotonic": all(a <= b for a, b in zip(seen, seen[1:]))}))
