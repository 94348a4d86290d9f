"""Load client of bench/ingest-events: streams events over TLS and times it, then a DSAR export.

Usage: ingest.py GENERATED_DIR SERVER CA_FILE KEY_FILE EVENTS STREAMS BATCH DAY_EPOCH
Prints one JSON object with the figures. Event ids are random (uuid4 hex), as clients' ids are.
"""

import json
import os
import sys
import threading
import time
import uuid

generated, server, ca_path, key_path = sys.argv[1:5]
total, streams, batch_size, day = (int(v) for v in sys.argv[5:9])
sys.path.insert(0, generated)

import grpc  # noqa: E402
from tradewind.v1 import contacts_pb2, contacts_pb2_grpc  # noqa: E402
from tradewind.v1 import events_pb2, events_pb2_grpc  # noqa: E402
from tradewind.v1 import privacy_pb2, privacy_pb2_grpc  # noqa: E402

key = open(key_path).read().strip()
metadata = (("authorization", f"Bearer {key}"),)
channel = grpc.secure_channel(
    server,
    grpc.ssl_channel_credentials(root_certificates=open(ca_path, "rb").read()),
    options=(("grpc.ssl_target_name_override", "localhost"), ("grpc.max_receive_message_length", 64 << 20)),
)
events_stub = events_pb2_grpc.EventsStub(channel)

CHANNELS = [1, 2, 3, 4, 5, 6]
COUNTRIES = ["DE", "FR", "NL", "ES", "IT"]


def batch(count, anonymous_offset):
    request = events_pb2.IngestEventsRequest()
    for i in range(count):
        event = request.events.add()
        event.event_id = uuid.uuid4().hex
        event.occur_time.seconds = day + (i * 37) % 86_000
        event.anonymous_id = f"anon-{(anonymous_offset + i) % 200_000}"
        event.country = COUNTRIES[i % 5]
        if i % 10 == 9:
            event.conversion.order_id = f"o-{anonymous_offset + i}"
            event.conversion.value_micros = 25_000_000
            event.conversion.currency = "EUR"
        else:
            event.touchpoint.type = 1 if i % 3 else 2
            event.touchpoint.channel = CHANNELS[i % 6]
            event.touchpoint.campaign_id = f"campaign-{i % 20}"
            event.touchpoint.cost_micros = 150_000
            event.touchpoint.currency = "EUR"
    return request


results = {"accepted": 0, "duplicates": 0, "errors": 0, "batches": 0, "failures": []}
lock = threading.Lock()


def stream(prepared):
    try:
        for answer in events_stub.IngestEvents(iter(prepared), metadata=metadata):
            with lock:
                results["accepted"] += answer.accepted
                results["duplicates"] += answer.duplicates
                results["errors"] += len(answer.errors)
                results["batches"] += 1
    except grpc.RpcError as error:
        with lock:
            results["failures"].append(f"{error.code()}: {error.details()}")


per_stream = total // batch_size // streams
# Every batch is built before the clock starts, so the timing measures the server, not protobuf
# in Python.
prepared = [
    [batch(batch_size, (index * per_stream + b) * batch_size) for b in range(per_stream)] for index in range(streams)
]
threads = [threading.Thread(target=stream, args=(prepared[i],)) for i in range(streams)]
started = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.perf_counter() - started

# A data subject among the events: a contact linked to one of the anonymous ids, then a DSAR export.
contacts = contacts_pb2_grpc.ContactsStub(channel)
upsert = contacts_pb2.UpsertContactRequest()
upsert.contact.external_id = "bench-subject"
upsert.contact.email = "bench.subject@example.com"
subject = contacts.UpsertContact(upsert, metadata=metadata).contact
identify = events_pb2.IngestEventsRequest()
event = identify.events.add()
event.event_id = uuid.uuid4().hex
event.occur_time.seconds = day
event.anonymous_id = "anon-4242"
event.contact_id = subject.id
event.identify.SetInParent()
list(events_stub.IngestEvents(iter([identify]), metadata=metadata))
privacy = privacy_pb2_grpc.PrivacyStub(channel)
opened = privacy.OpenRequest(
    privacy_pb2.OpenPrivacyRequestRequest(
        kind=1, regime=1, subject=privacy_pb2.Subject(email="bench.subject@example.com"),
        idempotency_key=uuid.uuid4().hex),
    metadata=metadata)
dsar_started = time.perf_counter()
export = privacy.ExportSubjectData(privacy_pb2.ExportSubjectDataRequest(request_id=opened.id), metadata=metadata)
dsar_seconds = time.perf_counter() - dsar_started
document = json.loads(export.document)

print(json.dumps({
    "sent": per_stream * streams * batch_size,
    "seconds": elapsed,
    "events_per_second": results["accepted"] / elapsed if elapsed else 0,
    **results,
    "dsar_seconds": dsar_seconds,
    "dsar_events": len(document["events"]),
    "dsar_bytes": len(export.document),
}))
