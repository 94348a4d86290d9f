#!/usr/bin/env python3
"""Seeds benchmark contacts through the API and prints the one the benchmark reads.

    seed.py STUBS_DIR DEV_KEYS_JSON TENANT COUNT OUT_DIR

Upserts contacts with external ids bench-1 .. bench-COUNT (country cycling over
five EU countries) and gives each one email-marketing consent, unless it has one
already, so re-runs do not grow the consent ledger. Then reads bench-1 back
with GetContact and writes into OUT_DIR:

  get-contact.grpc   the request as one gRPC frame (h2load -d)
  seed.env           TENANT_ID=..., CONTACT_ID=..., CONSENT_ROWS=... (shell syntax)
"""

import json
import os
import struct
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import grpc

stubs, keys_path, tenant_slug, count, out_dir = sys.argv[1:6]
count = int(count)
sys.path.insert(0, stubs)
from tradewind.v1 import contacts_pb2 as pb  # noqa: E402
from tradewind.v1 import contacts_pb2_grpc as pb_grpc  # noqa: E402

COUNTRIES = [("DE", "de"), ("FR", "fr"), ("NL", "nl"), ("ES", "es"), ("IT", "it")]

with open(keys_path) as f:
    keys = json.load(f)
tenant = keys["tenants"][tenant_slug]
with open(keys["ca"], "rb") as f:
    credentials = grpc.composite_channel_credentials(
        grpc.ssl_channel_credentials(root_certificates=f.read()),
        grpc.access_token_call_credentials(tenant["api_key"]),
    )


def seed_one(stub, i):
    country, language = COUNTRIES[i % len(COUNTRIES)]
    resp = stub.UpsertContact(
        pb.UpsertContactRequest(
            contact=pb.Contact(
                external_id=f"bench-{i}",
                email=f"bench-{i}@example.com",
                name=f"Bench Contact {i}",
                country=country,
                language=language,
                tags=["bench", f"cohort-{i % 10}"],
                attributes={"source_system": "bench", "tier": ("gold", "silver", "bronze")[i % 3]},
            )
        ),
        timeout=30,
    )
    if not resp.contact.consents:
        stub.RecordConsent(
            pb.RecordConsentRequest(
                contact_id=resp.contact.id,
                purpose=pb.CONSENT_PURPOSE_EMAIL_MARKETING,
                action=pb.CONSENT_ACTION_GRANT,
                lawful_basis=pb.LAWFUL_BASIS_CONSENT,
                regime=pb.PRIVACY_REGIME_GDPR,
                source="bench-seed",
            ),
            timeout=30,
        )
    return resp.created, resp.contact.id


started = time.monotonic()
with grpc.secure_channel(keys["server"], credentials) as channel:
    stub = pb_grpc.ContactsStub(channel)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda i: seed_one(stub, i), range(1, count + 1)))
    created = sum(1 for new, _ in results if new)
    contact_id = results[0][1]  # bench-1: the contact every benchmark request reads
    got = stub.GetContact(pb.GetContactRequest(id=contact_id), timeout=30)
    if got.external_id != "bench-1" or len(got.consents) != 1 or not got.consents[0].granted:
        sys.exit(f"seed: GetContact({contact_id}) returned an unexpected contact")

payload = pb.GetContactRequest(id=contact_id).SerializeToString()
with open(os.path.join(out_dir, "get-contact.grpc"), "wb") as f:
    f.write(struct.pack(">BI", 0, len(payload)) + payload)  # uncompressed flag, length, message
with open(os.path.join(out_dir, "seed.env"), "w") as f:
    f.write(f"TENANT_ID={tenant['tenant_id']}\nCONTACT_ID={contact_id}\nCONSENT_ROWS={len(got.consents)}\n")
print(
    f"seeded {count} contacts for {tenant_slug} ({created} new) in {time.monotonic() - started:.1f}s; "
    f"benchmark contact bench-1 = {contact_id}",
    file=sys.stderr,
)
