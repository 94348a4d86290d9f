#!/usr/bin/env python3
"""Seeds the example tenants with 90 days of realistic history, through the public API only.

    python seed.py DEV_KEYS_JSON SANDBOX_URL

(examples/python/seed sets up the venv, generates the stubs and runs this; scripts/run runs it
once per state directory.)

For every tenant of the dev keys file that seed_profiles.py describes:

1. links an ad account on each channel the tenant uses (provisioned on tradewind-sandbox), and
   creates and publishes its campaigns with the sandbox's clock set 90 days back, so that the
   channels deliver them from that day on (seed_channels.py), one tenant after the other, while
   every tenant's contacts are upserted (seed_contacts.py); then resets the clock and asks for 90
   days of metrics (Campaigns.SyncChannelMetrics);
2. for all tenants at once, loads the tenant's exchange rates for cross-border orders, ingests 90
   days of sign-ups, consent changes, touchpoints, page views and orders (seed_history.py), and
   fills its segments;
3. waits until the channels' spend is in GetKPIs.

Every step finds what a previous, interrupted run made instead of making it twice: contacts by
external id, accounts by channel, campaigns by name, segments by name, events by event id.
"""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))
from tradewind.v1 import analytics_pb2_grpc as analytics_grpc  # noqa: E402
from tradewind.v1 import campaigns_pb2_grpc as campaigns_grpc  # noqa: E402
from tradewind.v1 import content_pb2_grpc as content_grpc  # noqa: E402
from tradewind.v1 import contacts_pb2 as contacts_pb  # noqa: E402
from tradewind.v1 import contacts_pb2_grpc as contacts_grpc  # noqa: E402
from tradewind.v1 import events_pb2 as events_pb  # noqa: E402
from tradewind.v1 import events_pb2_grpc as events_grpc  # noqa: E402
from tradewind.v1 import segments_pb2 as segments_pb  # noqa: E402
from tradewind.v1 import segments_pb2_grpc as segments_grpc  # noqa: E402

from seed_contacts import segments  # noqa: E402
from seed_channels import TIMEOUT, Sandbox, launch_campaigns, request_metrics, wait_for_metrics  # noqa: E402
from seed_history import History  # noqa: E402
from seed_profiles import PROFILES  # noqa: E402

DAYS = 90
BATCH = 500  # events per IngestEvents batch (the API takes 1,000), well within the 5 s budget
CONSENT_BATCH = 50  # consent changes per batch (see batches)
STREAM_ATTEMPTS = 6

STARTED = time.monotonic()
sys.stdout.reconfigure(line_buffering=True)


def say(slug, message):
    print(f"seed: {time.monotonic() - STARTED:5.1f}s {slug}: {message}")


class Tenant:
    """One tenant's history to seed, and its stubs over one TLS channel with its owner key."""

    def __init__(self, keys, slug, ca, first_day):
        self.slug = slug
        self.profile = PROFILES[slug]
        self.history = History(self.profile, first_day, DAYS)
        self.contact_ids = []  # in the order of history.contacts
        self.number = list(PROFILES).index(slug) + 1
        credentials = grpc.composite_channel_credentials(
            grpc.ssl_channel_credentials(root_certificates=ca),
            grpc.access_token_call_credentials(keys["tenants"][slug]["api_key"]),
        )
        channel = grpc.secure_channel(keys["server"], credentials)
        self.analytics = analytics_grpc.AnalyticsStub(channel)
        self.campaigns = campaigns_grpc.CampaignsStub(channel)
        self.content = content_grpc.ContentStub(channel)
        self.contacts = contacts_grpc.ContactsStub(channel)
        self.events = events_grpc.EventsStub(channel)
        self.segments = segments_grpc.SegmentsStub(channel)
        self.accounts = {}  # channel name -> ChannelAccount
        self.placements = []


def upsert_contacts(tenant):
    """Upserts the planned contacts by external id, and keeps their ids."""

    def upsert(plan):
        return tenant.contacts.UpsertContact(
            contacts_pb.UpsertContactRequest(contact=plan.message()), timeout=TIMEOUT
        ).contact.id

    with ThreadPoolExecutor(max_workers=4) as pool:
        tenant.contact_ids = list(pool.map(upsert, tenant.history.contacts))
    return f"{len(tenant.contact_ids)} contacts"


def batches(events, size, consents):
    """Consecutive slices of at most `size` events and `consents` consent changes: each consent
    change appends to the ledger and rewrites the contact's current consent, so a batch of them
    costs far more than one of touchpoints, and each batch must be stored within the server's
    database budget (5 s)."""
    out, start, count = [], 0, 0
    for i, event in enumerate(events):
        count += event.HasField("consent")
        if i - start == size or count > consents:
            out.append(events[start:i])
            start, count = i, int(event.HasField("consent"))
    return out + [events[start:]] if events else out


def ingest(tenant, events):
    """Sends the events in order on one stream. After UNAVAILABLE (a batch over the server's
    database budget on a busy machine) a new stream resumes at the first unanswered event, with
    batches half the size."""
    accepted = duplicates = answered = 0
    size, consents = BATCH, CONSENT_BATCH
    for attempt in range(STREAM_ATTEMPTS):
        slices = batches(events[answered:], size, consents)
        try:
            requests = (events_pb.IngestEventsRequest(events=batch) for batch in slices)
            for batch, answer in zip(slices, tenant.events.IngestEvents(requests, timeout=600)):
                if answer.errors:
                    first = answer.errors[0]
                    raise RuntimeError(
                        f"{len(answer.errors)} events refused, first {first.event_id}: "
                        f"{first.field}: {first.description}"
                    )
                accepted += answer.accepted
                duplicates += answer.duplicates
                answered += len(batch)
            return accepted, duplicates
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.UNAVAILABLE or attempt + 1 == STREAM_ATTEMPTS:
                raise
            size, consents = max(size // 2, 10), max(consents // 2, 5)
            time.sleep(attempt + 1)


def fill_segments(tenant):
    """Creates the planned segments unless they exist, and adds their members (again: no-op)."""
    existing = {
        s.name: s
        for s in tenant.segments.ListSegments(segments_pb.ListSegmentsRequest(page_size=1000), timeout=TIMEOUT).segments
    }
    plans = segments(tenant.history.contacts, tenant.history.end)
    for name, description, purpose, members in plans:
        segment = existing.get(name) or tenant.segments.CreateSegment(
            segments_pb.CreateSegmentRequest(name=name, description=description, purpose=purpose), timeout=TIMEOUT
        )
        ids = [tenant.contact_ids[i] for i in members]
        for i in range(0, len(ids), 1000):
            tenant.segments.AddSegmentMembers(
                segments_pb.AddSegmentMembersRequest(segment_id=segment.id, contact_ids=ids[i : i + 1000]),
                timeout=TIMEOUT,
            )
    return len(plans)


def seed_events(tenant, today):
    """The tenant's rates, its history's events and its segments."""
    rates = tenant.history.exchange_rates(through=today)
    if rates:
        tenant.events.LoadExchangeRates(events_pb.LoadExchangeRatesRequest(rates=rates), timeout=TIMEOUT)
    events = tenant.history.events(tenant.contact_ids, tenant.placements)
    accepted, duplicates = ingest(tenant, events)
    filled = fill_segments(tenant)
    already = f" ({duplicates} were already)" if duplicates else ""
    return f"{accepted} of {len(events)} events stored{already}, {filled} segments filled"


def run_step(step, tenant, *args):
    """Runs one tenant's step and says what it did, if it says."""
    done = step(tenant, *args)
    if done:
        say(tenant.slug, done)


def for_each(tenants, step, *args, at_once=True):
    """Runs step(tenant, *args) for every tenant, at once or in turn; stops the seed if any of them
    failed."""
    with ThreadPoolExecutor(max_workers=len(tenants) if at_once else 1) as pool:
        futures = {tenant.slug: pool.submit(run_step, step, tenant, *args) for tenant in tenants}
    settle(futures)


def settle(futures):
    """Waits for every tenant's future; stops the seed if any of them failed."""
    failures = []
    for slug, future in futures.items():
        try:
            future.result()
        except grpc.RpcError as err:
            failures.append(f"seed: {slug}: {err.code().name}: {err.details()}")
        except Exception as err:  # noqa: BLE001 - reported with its tenant
            failures.append(f"seed: {slug}: {err}")
    if failures:
        sys.exit("\n".join(failures))


def main(keys_path, sandbox_url):
    with open(keys_path) as f:
        keys = json.load(f)
    with open(keys["ca"], "rb") as f:
        ca = f.read()
    # Days are dates: the tenants' local days with these dates are the history, which ends the day
    # before the westernmost tenant's today, so that no event lies in any tenant's future (the
    # server refuses those: at 03:00 UTC it is still yesterday in New York).
    now = datetime.now(timezone.utc)
    zones = [PROFILES[slug].time_zone for slug in keys["tenants"] if slug in PROFILES]
    today = min((now.astimezone(ZoneInfo(zone)).date() for zone in zones), default=now.date())
    first_day = today - timedelta(days=DAYS)
    tenants = [Tenant(keys, slug, ca, first_day) for slug in PROFILES if slug in keys["tenants"]]
    for slug in sorted(set(keys["tenants"]) - set(PROFILES)):
        say(slug, "no profile in seed_profiles.py: not seeded")
    if not tenants:
        return
    sandbox = Sandbox(sandbox_url, keys["ca"])

    with ThreadPoolExecutor(max_workers=len(tenants)) as background:
        # Contacts go in while the outbox publishes the campaigns.
        upserts = {tenant.slug: background.submit(run_step, upsert_contacts, tenant) for tenant in tenants}
        # The sandbox delivers a campaign from the day it was published on its clock: publish
        # them all "90 days ago", then give the channels their real today back before pulling.
        # Tenant by tenant, because the sandbox numbers objects in the order they arrive, and its
        # figures follow the numbers.
        sandbox.set_clock(first_day)
        try:
            for_each(tenants, launch_campaigns, sandbox, first_day, at_once=False)
        finally:
            sandbox.set_clock(None)
        for_each(tenants, request_metrics)
        settle(upserts)
    for_each(tenants, seed_events, today)
    for_each(tenants, wait_for_metrics, first_day)
    print(
        f"seed: {len(tenants)} tenants seeded with {DAYS} days from {first_day} "
        f"in {time.monotonic() - STARTED:.0f} s"
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: seed.py DEV_KEYS_JSON SANDBOX_URL")
    try:
        main(sys.argv[1], sys.argv[2])
    except KeyboardInterrupt:
        # Without waiting for the tenants' threads: a later run completes what they left.
        print("seed: interrupted", file=sys.stderr)
        os._exit(130)
