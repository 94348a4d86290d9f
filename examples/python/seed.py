#!/usr/bin/env python3
"""Seeds the example tenants with 90 days of realistic history, through the public API only.

    python seed.py DEV_KEYS_JSON SANDBOX_URL

(examples/python/seed sets up the venv, generates the stubs and runs this; scripts/run runs it
once per state directory.)

For every tenant of the dev keys file that seed_profiles.py describes, all tenants at once:

1. links an ad account on each channel the tenant uses (provisioned on tradewind-sandbox), and
   creates and publishes its campaigns with the sandbox's clock set 90 days back, so that the
   channels deliver them from that day on; then resets the clock and asks for 90 days of metrics
   (Campaigns.SyncChannelMetrics); meanwhile it upserts the tenant's contacts;
2. loads the tenant's exchange rates for cross-border orders, and ingests 90 days of consent
   changes, identifies, touchpoints, page views and orders (seed_history.py);
3. fills its segments, and waits until the channels' spend is in GetKPIs.

Every step finds what a previous, interrupted run made instead of making it twice: contacts by
external id, accounts by channel, campaigns by name, segments by name, events by event id.
"""

import hashlib
import json
import os
import ssl
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))
from tradewind.v1 import analytics_pb2 as analytics_pb  # noqa: E402
from tradewind.v1 import analytics_pb2_grpc as analytics_grpc  # noqa: E402
from tradewind.v1 import campaigns_pb2 as campaigns_pb  # noqa: E402
from tradewind.v1 import campaigns_pb2_grpc as campaigns_grpc  # noqa: E402
from tradewind.v1 import contacts_pb2 as contacts_pb  # noqa: E402
from tradewind.v1 import contacts_pb2_grpc as contacts_grpc  # noqa: E402
from tradewind.v1 import events_pb2 as events_pb  # noqa: E402
from tradewind.v1 import events_pb2_grpc as events_grpc  # noqa: E402
from tradewind.v1 import segments_pb2 as segments_pb  # noqa: E402
from tradewind.v1 import segments_pb2_grpc as segments_grpc  # noqa: E402

from seed_history import CHANNELS, History, Placement  # noqa: E402
from seed_profiles import PROFILES  # noqa: E402

DAYS = 90
TIMEOUT = 30.0  # seconds, per call
PUBLISH_WAIT = 120.0  # seconds for the outbox to publish every campaign
METRICS_WAIT = 180.0  # seconds for the metric pulls (Amazon's reports are asynchronous)
BATCH = 500  # events per IngestEvents batch (the API takes 1,000), well within the 5 s budget
CONSENT_BATCH = 100  # consent changes per batch (see batches)
STREAM_ATTEMPTS = 4

# Sandbox account ids: one per channel and tenant (the tenant's place in PROFILES is added).
SANDBOX_ACCOUNT_BASE = {
    "google_ads": 7_100_000_000, "meta": 2_300_000_000_000_000,
    "tiktok": 7_300_000_000_000_000_000, "amazon_ads": 3_500_000_000_000_000,
}
SANDBOX_CHANNEL = {"google_ads": "google-ads", "meta": "meta", "tiktok": "tiktok", "amazon_ads": "amazon-ads"}

STARTED = time.monotonic()
sys.stdout.reconfigure(line_buffering=True)


def say(slug, message):
    print(f"seed: {time.monotonic() - STARTED:5.1f}s {slug}: {message}")


class Sandbox:
    """The control API of tradewind-sandbox (`/_sandbox/`): accounts and the clock."""

    def __init__(self, url, ca_path):
        self.url = url.rstrip("/") + "/_sandbox/"
        self.tls = ssl.create_default_context(cafile=ca_path)

    def post(self, path, body):
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method="POST",
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, context=self.tls, timeout=TIMEOUT) as response:
            return json.load(response)

    def set_clock(self, day):
        self.post("clock", {"today": day.isoformat() if day else None})


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
        self.contacts = contacts_grpc.ContactsStub(channel)
        self.events = events_grpc.EventsStub(channel)
        self.segments = segments_grpc.SegmentsStub(channel)
        self.accounts = {}  # channel name -> ChannelAccount
        self.placements = []


# 1. Channels and campaigns


def link_accounts(tenant, sandbox):
    profile = tenant.profile
    linked = tenant.campaigns.ListChannelAccounts(
        campaigns_pb.ListChannelAccountsRequest(page_size=1000), timeout=TIMEOUT).accounts
    for channel in dict.fromkeys(plan.channel for plan in profile.campaigns):
        account_id = str(SANDBOX_ACCOUNT_BASE[channel] + tenant.number)
        country = profile.markets[0].country
        sandbox.post("accounts", {
            "channel": SANDBOX_CHANNEL[channel], "id": account_id, "currency": profile.currency,
            "time_zone": profile.time_zone, "country_code": country,
            "name": f"{tenant.slug} {SANDBOX_CHANNEL[channel]}",
        })
        found = [a for a in linked if a.channel == CHANNELS[channel] and a.external_id.endswith(account_id)
                 and a.status != campaigns_pb.CHANNEL_ACCOUNT_STATUS_UNLINKED]
        tenant.accounts[channel] = found[0] if found else tenant.campaigns.LinkChannelAccount(
            link_request(tenant, channel, account_id), timeout=TIMEOUT)


def link_request(tenant, channel, account_id):
    request = campaigns_pb.LinkChannelAccountRequest(
        channel=CHANNELS[channel], idempotency_key=f"seed-{tenant.slug}-{channel}")
    credentials = request.credentials
    stem = f"{SANDBOX_CHANNEL[channel]}-{account_id}"
    if channel == "google_ads":
        request.external_id = account_id
        credentials.refresh_token = f"sandbox-refresh-{stem}"
        credentials.client_id, credentials.client_secret = "sandbox-google-ads-client", "sandbox-google-ads-secret"
        credentials.developer_token = "sandbox-developer-token"
    elif channel == "meta":
        request.external_id, request.page_id = f"act_{account_id}", f"10293847561{tenant.number}"
        credentials.access_token = f"sandbox-access-{stem}"
    elif channel == "tiktok":
        request.external_id, request.page_id = account_id, f"700000000{tenant.number}"
        credentials.access_token = f"sandbox-access-{stem}"
    else:
        request.external_id, request.marketplace_id = account_id, tenant.profile.amazon_marketplace
        credentials.refresh_token = f"sandbox-refresh-{stem}"
        credentials.client_id, credentials.client_secret = "sandbox-amazon-ads-client", "sandbox-amazon-ads-secret"
    return request


def campaign_message(tenant, plan, first_day):
    """The draft of a planned campaign, shaped the way its channel takes it."""
    micros = round(plan.daily_budget * 1_000_000)
    image = hashlib.sha256(f"{tenant.slug}/{plan.key}".encode()).hexdigest()[:32]
    creative = campaigns_pb.Creative(
        headlines=plan.headlines, descriptions=plan.descriptions, final_url=plan.final_url)
    targeting = campaigns_pb.Targeting(countries=plan.markets, languages=plan.languages)
    group = campaigns_pb.AdGroup(name=f"{plan.name} - all", targeting=targeting)
    if plan.channel == "meta":
        creative.call_to_action, creative.image_reference = campaigns_pb.CALL_TO_ACTION_SHOP_NOW, image
        targeting.age_range.min_age, targeting.age_range.max_age = 18, 65
    elif plan.channel == "tiktok":
        creative.call_to_action = campaigns_pb.CALL_TO_ACTION_SHOP_NOW
        creative.image_reference = f"ad-site-i18n-sg/{image}"
    elif plan.channel == "amazon_ads":
        creative = campaigns_pb.Creative(asin=plan.asin)
        group.default_bid_micros = round(plan.default_bid * 1_000_000)
    group.ads.append(campaigns_pb.Ad(name=f"{plan.name} - ad", creative=creative))
    # Meta optimises sales for a pixel, and a linked account has no pixel id yet: traffic it is.
    objective = campaigns_pb.CAMPAIGN_OBJECTIVE_TRAFFIC if plan.channel == "meta" else campaigns_pb.CAMPAIGN_OBJECTIVE_SALES
    return campaigns_pb.Campaign(
        account_id=tenant.accounts[plan.channel].id, name=plan.name, objective=objective,
        budget=campaigns_pb.Budget(period=campaigns_pb.BUDGET_PERIOD_DAILY, amount_micros=micros),
        start_date=first_day.isoformat(), markets=plan.markets, languages=plan.languages, ad_groups=[group])


def launch_campaigns(tenant, sandbox, first_day):
    """Links the accounts and publishes every planned campaign; waits until the channels have them."""
    kpis = tenant.analytics.GetKPIs(analytics_pb.GetKPIsRequest(
        range=analytics_pb.DayRange(from_day=first_day.isoformat(), to_day=first_day.isoformat())), timeout=TIMEOUT)
    if kpis.reporting_currency != tenant.profile.currency:
        raise RuntimeError(f"reports in {kpis.reporting_currency}, seed_profiles.py plans in {tenant.profile.currency}")
    link_accounts(tenant, sandbox)
    existing = {c.name: c for c in tenant.campaigns.ListCampaigns(
        campaigns_pb.ListCampaignsRequest(page_size=1000), timeout=TIMEOUT).campaigns}
    ids = []
    for plan in tenant.profile.campaigns:
        campaign = existing.get(plan.name) or tenant.campaigns.CreateCampaign(
            campaigns_pb.CreateCampaignRequest(
                campaign=campaign_message(tenant, plan, first_day), idempotency_key=f"seed-{tenant.slug}-{plan.key}"),
            timeout=TIMEOUT)
        if campaign.status == campaigns_pb.CAMPAIGN_STATUS_DRAFT:
            campaign = tenant.campaigns.PublishCampaign(
                campaigns_pb.PublishCampaignRequest(id=campaign.id, start_active=True), timeout=TIMEOUT)
        ids.append((plan, campaign.id))
    deadline = time.monotonic() + PUBLISH_WAIT
    for plan, campaign_id in ids:
        while True:
            campaign = tenant.campaigns.GetCampaign(campaigns_pb.GetCampaignRequest(id=campaign_id), timeout=TIMEOUT)
            if campaign.sync.state == campaigns_pb.SYNC_STATE_KIND_SYNCED:
                break
            if campaign.sync.state == campaigns_pb.SYNC_STATE_KIND_FAILED or time.monotonic() > deadline:
                raise RuntimeError(
                    f"campaign {plan.name!r} was not published: {campaigns_pb.SyncStateKind.Name(campaign.sync.state)} "
                    f"{campaign.sync.error_code} {campaign.sync.error_message}")
            time.sleep(0.3)
        group = campaign.ad_groups[0]
        tenant.placements.append(
            Placement(plan, campaign.channel_campaign_id, group.channel_ad_group_id, group.ads[0].channel_ad_id))
    say(tenant.slug, f"{len(ids)} campaigns live on {', '.join(tenant.accounts)} since {first_day}")


def request_metrics(tenant):
    for account in tenant.accounts.values():
        tenant.campaigns.SyncChannelMetrics(
            campaigns_pb.SyncChannelMetricsRequest(account_id=account.id, days=DAYS), timeout=TIMEOUT)


# 2. First-party data


def upsert_contacts(tenant):
    def upsert(plan):
        return tenant.contacts.UpsertContact(
            contacts_pb.UpsertContactRequest(contact=plan.message()), timeout=TIMEOUT).contact.id

    with ThreadPoolExecutor(max_workers=4) as pool:
        tenant.contact_ids = list(pool.map(upsert, tenant.history.contacts))
    say(tenant.slug, f"{len(tenant.contact_ids)} contacts")


def batches(events):
    """Consecutive slices of at most BATCH events and CONSENT_BATCH consent changes: each consent
    change appends to the ledger and rewrites the contact's current consent, so a batch of them
    costs far more than one of touchpoints, and each batch must be stored within the server's
    database budget (5 s)."""
    out, start, consents = [], 0, 0
    for i, event in enumerate(events):
        consents += event.HasField("consent")
        if i - start == BATCH or consents > CONSENT_BATCH:
            out.append(events[start:i])
            start, consents = i, int(event.HasField("consent"))
    return out + [events[start:]] if events else out


def ingest(tenant, events):
    """Sends the events in order on one stream; after UNAVAILABLE (a batch over the server's
    database budget on a busy machine) a new stream resumes at the first unanswered batch."""
    accepted = duplicates = done = 0
    slices = batches(events)
    for attempt in range(STREAM_ATTEMPTS):
        requests = (events_pb.IngestEventsRequest(events=batch) for batch in slices[done:])
        try:
            for answer in tenant.events.IngestEvents(requests, timeout=600):
                if answer.errors:
                    first = answer.errors[0]
                    raise RuntimeError(f"{len(answer.errors)} events refused, first {first.event_id}: "
                                       f"{first.field}: {first.description}")
                accepted += answer.accepted
                duplicates += answer.duplicates
                done += 1
            return accepted, duplicates
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.UNAVAILABLE or attempt + 1 == STREAM_ATTEMPTS:
                raise
            time.sleep(2 ** attempt)


def fill_segments(tenant):
    existing = {s.name: s for s in tenant.segments.ListSegments(
        segments_pb.ListSegmentsRequest(page_size=1000), timeout=TIMEOUT).segments}
    plans = tenant.history.segments()
    for name, description, purpose, members in plans:
        segment = existing.get(name) or tenant.segments.CreateSegment(
            segments_pb.CreateSegmentRequest(name=name, description=description, purpose=purpose), timeout=TIMEOUT)
        ids = [tenant.contact_ids[i] for i in members]
        for i in range(0, len(ids), 1000):
            tenant.segments.AddSegmentMembers(
                segments_pb.AddSegmentMembersRequest(segment_id=segment.id, contact_ids=ids[i:i + 1000]),
                timeout=TIMEOUT)
    return len(plans)


def seed_events(tenant, today):
    rates = tenant.history.exchange_rates(through=today)
    if rates:
        tenant.events.LoadExchangeRates(events_pb.LoadExchangeRatesRequest(rates=rates), timeout=TIMEOUT)
    events = tenant.history.events(tenant.contact_ids, tenant.placements)
    accepted, duplicates = ingest(tenant, events)
    segments = fill_segments(tenant)
    say(tenant.slug, f"{accepted} of {len(events)} events stored"
                     + (f" ({duplicates} were already)" if duplicates else "") + f", {segments} segments filled")


def wait_for_metrics(tenant, first_day):
    """Until every channel's spend shows in GetKPIs, a few days into the history."""
    request = analytics_pb.GetKPIsRequest(
        range=analytics_pb.DayRange(from_day=(first_day + timedelta(days=2)).isoformat(),
                                    to_day=(first_day + timedelta(days=8)).isoformat()),
        group_by=[analytics_pb.KPI_DIMENSION_CHANNEL], channels=[CHANNELS[c] for c in tenant.accounts])
    deadline = time.monotonic() + METRICS_WAIT
    while True:
        rows = tenant.analytics.GetKPIs(request, timeout=TIMEOUT).rows
        missing = set(tenant.accounts) - {row.channel for row in rows if row.spend_micros > 0}
        if not missing:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no channel metrics after {METRICS_WAIT:.0f} s for {', '.join(sorted(missing))}")
        time.sleep(1)


def for_each(tenants, step, *args, at_once=True):
    """Runs step(tenant, *args) for every tenant, at once or in turn; stops the seed if any of them
    failed."""
    with ThreadPoolExecutor(max_workers=len(tenants) if at_once else 1) as pool:
        futures = {tenant.slug: pool.submit(step, tenant, *args) for tenant in tenants}
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
    # Days are dates: the tenants' local days with these dates are the history.
    today = datetime.now(timezone.utc).date()
    first_day = today - timedelta(days=DAYS)
    tenants = [Tenant(keys, slug, ca, first_day) for slug in PROFILES if slug in keys["tenants"]]
    for slug in sorted(set(keys["tenants"]) - set(PROFILES)):
        say(slug, "no profile in seed_profiles.py: not seeded")
    sandbox = Sandbox(sandbox_url, keys["ca"])

    with ThreadPoolExecutor(max_workers=len(tenants)) as background:
        # Contacts go in while the outbox publishes the campaigns.
        upserts = {tenant.slug: background.submit(upsert_contacts, tenant) for tenant in tenants}
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
    print(f"seed: {len(tenants)} tenants seeded with {DAYS} days from {first_day} "
          f"in {time.monotonic() - STARTED:.0f} s")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: seed.py DEV_KEYS_JSON SANDBOX_URL")
    try:
        main(sys.argv[1], sys.argv[2])
    except KeyboardInterrupt:
        # Without waiting for the tenants' threads: a later run completes what they left.
        print("seed: interrupted", file=sys.stderr)
        os._exit(130)
