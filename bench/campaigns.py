"""Client of bench/campaigns: a publish storm with and without a rate-limited neighbour, then a
metric sync of many campaign-days against INSERT ... SELECT of the same rows.

Usage: campaigns.py GENERATED_DIR RESULTS_DIR
Everything else comes from the environment bench/campaigns exports (BENCH_*, BENCH_SERVER,
BENCH_CA, BENCH_KEY_FILE, BENCH_SANDBOX, BENCH_TENANT_ID, BENCH_SERVER_PID, BENCH_REPO).
Writes RESULTS_DIR/figures.json and summary.txt, prints the summary; exit 0 when every check
passed and the targets are met, 3 when a target is missed, 1 when a check failed.
"""

import concurrent.futures
import json
import math
import os
import random
import re
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone

generated, results = sys.argv[1:3]
sys.path.insert(0, generated)

import grpc  # noqa: E402
from tradewind.v1 import campaigns_pb2 as pb  # noqa: E402
from tradewind.v1 import campaigns_pb2_grpc as pb_grpc  # noqa: E402
from tradewind.v1 import events_pb2  # noqa: E402

env = os.environ
N = int(env["BENCH_CAMPAIGNS"])
LATENCY_MS = int(env["BENCH_LATENCY_MS"])
LIMITED = env["BENCH_LIMITED_CHANNEL"]
CONCURRENCY = int(env["BENCH_CONCURRENCY"])
TIMEOUT = int(env["BENCH_TIMEOUT"])
METRIC_CAMPAIGNS = int(env["BENCH_METRIC_CAMPAIGNS"])
METRIC_DAYS = int(env["BENCH_METRIC_DAYS"])
METRIC_CHANNELS = env["BENCH_METRIC_CHANNELS"].split(",")
METRIC_ACCOUNTS = int(env["BENCH_METRIC_ACCOUNTS"])
METRIC_SEQUENTIAL = env["BENCH_METRIC_SEQUENTIAL"] == "1"
PARTS = env["BENCH_PARTS"].split(",")
TENANT = env["BENCH_TENANT_ID"]
SERVER_PID = env["BENCH_SERVER_PID"]
POLL = 2.0  # seconds between ListCampaigns sweeps: the times come from the server's synced_time

CHANNELS = ["google-ads", "meta", "tiktok", "amazon-ads"]
PROTO = {"google-ads": events_pb2.CHANNEL_GOOGLE_ADS, "meta": events_pb2.CHANNEL_META,
         "tiktok": events_pb2.CHANNEL_TIKTOK, "amazon-ads": events_pb2.CHANNEL_AMAZON_ADS}
NAME = {value: name for name, value in PROTO.items()}
SYNCED, RETRYING, FAILED = pb.SYNC_STATE_KIND_SYNCED, pb.SYNC_STATE_KIND_RETRYING, pb.SYNC_STATE_KIND_FAILED

key = open(env["BENCH_KEY_FILE"]).read().strip()
metadata = (("authorization", f"Bearer {key}"),)
channel = grpc.secure_channel(
    env["BENCH_SERVER"],
    grpc.ssl_channel_credentials(root_certificates=open(env["BENCH_CA"], "rb").read()),
    options=(("grpc.ssl_target_name_override", "localhost"), ("grpc.max_receive_message_length", 256 << 20)),
)
stub = pb_grpc.CampaignsStub(channel)
tls = ssl.create_default_context(cafile=env["BENCH_CA"])


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


# --- the channels' sandbox and the region's database ------------------------------------------

def sandbox(method, path, body=None):
    request = urllib.request.Request(
        f"{env['BENCH_SANDBOX']}/_sandbox/{path}", method=method,
        data=None if body is None else json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, context=tls, timeout=120) as answer:
        return json.loads(answer.read() or b"{}")


def latency_faults():
    for name in CHANNELS:
        sandbox("POST", "faults", {"channel": name, "kind": "latency", "latency_ms": LATENCY_MS, "times": 0})


def sql(statements):
    """Runs statements on the tenant's region (eu) as the superuser; returns psql's output."""
    done = subprocess.run(
        [f"{env['BENCH_REPO']}/scripts/pg-cluster", "sql", "eu", "tradewind", statements],
        capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"SQL failed: {done.stderr.strip()[-2000:]}")
    return done.stdout + done.stderr


def sql_value(expression):
    """One value: psql's aligned output is parsed by a marker, not by its layout."""
    match = re.search(r"BENCH:(.*\S)", sql(f"SELECT 'BENCH:' || ({expression})::text"))
    if not match:
        raise RuntimeError(f"no value from {expression}")
    return match.group(1)


def clean_slate():
    """Every run starts where the others did: no campaigns, accounts, jobs or metrics of the bench
    tenant (nor a floor table left by a run that died), and an empty sandbox, whose calls cost
    more the more objects it holds."""
    sql(f"""DELETE FROM outbox_jobs WHERE tenant_id = '{TENANT}';
DELETE FROM outbox_queues WHERE tenant_id = '{TENANT}';
DELETE FROM outbox_wake WHERE tenant_id = '{TENANT}';
DELETE FROM channel_daily_metrics WHERE tenant_id = '{TENANT}';
DELETE FROM campaigns WHERE tenant_id = '{TENANT}';
DELETE FROM channel_accounts WHERE tenant_id = '{TENANT}';
DELETE FROM tenant_idempotency_keys WHERE tenant_id = '{TENANT}';
DROP TABLE IF EXISTS bench_metrics_floor""")
    for table in ("campaigns", "ad_groups", "ads", "outbox_jobs", "channel_daily_metrics"):
        sql(f"VACUUM ANALYZE {table}")
    sandbox("POST", "reset")


# --- server memory ---------------------------------------------------------------------------

def status_kib(field):
    with open(f"/proc/{SERVER_PID}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class RSSSampler:
    """VmRSS every 100 ms while a phase runs."""

    def __init__(self):
        self.peak, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, status_kib("VmRSS"))
            self.stop.wait(0.1)

    def __enter__(self):
        self.before = status_kib("VmRSS")
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()
        self.end, self.hwm = status_kib("VmRSS"), status_kib("VmHWM")

    def figures(self):
        return {"before_mib": self.before / 1024, "peak_mib": self.peak / 1024, "end_mib": self.end / 1024,
                "hwm_mib": self.hwm / 1024}


# --- accounts and campaigns ------------------------------------------------------------------

def link(name):
    """A new sandbox account (EUR, UTC days) linked to the tenant; returns (sandbox id, link id)."""
    sandbox_id = str(random.randint(1_000_000_000, 9_999_999_999))
    sandbox("POST", "accounts", {"channel": name, "id": sandbox_id, "currency": "EUR", "time_zone": "UTC",
                                 "country_code": "DE"})
    request = pb.LinkChannelAccountRequest(channel=PROTO[name])
    credentials = request.credentials
    if name == "google-ads":
        request.external_id = sandbox_id
        credentials.refresh_token = f"sandbox-refresh-google-ads-{sandbox_id}"
        credentials.client_id, credentials.client_secret = "sandbox-google-ads-client", "sandbox-google-ads-secret"
        credentials.developer_token = "sandbox-developer-token"
    elif name == "meta":
        request.external_id, request.page_id = f"act_{sandbox_id}", "102938475610"
        credentials.access_token = f"sandbox-access-meta-{sandbox_id}"
    elif name == "tiktok":
        request.external_id, request.page_id = sandbox_id, "7000000001"
        credentials.access_token = f"sandbox-access-tiktok-{sandbox_id}"
    else:
        request.external_id, request.marketplace_id = sandbox_id, "A1PA6795UKMFR9"
        credentials.refresh_token = f"sandbox-refresh-amazon-ads-{sandbox_id}"
        credentials.client_id, credentials.client_secret = "sandbox-amazon-ads-client", "sandbox-amazon-ads-secret"
    return sandbox_id, stub.LinkChannelAccount(request, metadata=metadata, timeout=30).id


def campaign(name, account_id, title):
    """One campaign with one ad group and one ad that the channel takes (as CampaignsTests makes)."""
    c = pb.Campaign(account_id=account_id, name=title, markets=["DE"], languages=["de"])
    c.budget.period = pb.BUDGET_PERIOD_DAILY
    group = c.ad_groups.add(name=f"{title} group")
    group.targeting.countries.append("DE")
    ad = group.ads.add(name=f"{title} ad")
    creative = ad.creative
    if name == "google-ads":
        c.objective, c.budget.amount_micros = pb.CAMPAIGN_OBJECTIVE_SALES, 40_000_000
        group.targeting.languages.append("de")
        creative.headlines.extend(["Warme Winterstiefel", "Handgemacht in Europa", "Gratis Versand"])
        creative.descriptions.extend(["Stiefel aus Leder, bis 30 % reduziert.", "Jetzt bestellen."])
        creative.final_url = "https://shop.example.de/stiefel"
    elif name == "meta":
        c.objective, c.budget.amount_micros = pb.CAMPAIGN_OBJECTIVE_TRAFFIC, 20_000_000
        group.targeting.age_range.min_age, group.targeting.age_range.max_age = 18, 65
        creative.headlines.append("Winterstiefel im Sale")
        creative.descriptions.append("Handgemachte Lederstiefel, bis 30 % reduziert.")
        creative.final_url = "https://shop.example.de/stiefel"
        creative.call_to_action = pb.CALL_TO_ACTION_SHOP_NOW
        creative.image_reference = "f1e2d3c4b5a697887766554433221100"
    elif name == "tiktok":
        c.objective, c.budget.amount_micros = pb.CAMPAIGN_OBJECTIVE_TRAFFIC, 60_000_000
        creative.descriptions.append("Winterstiefel, handgemacht in Europa")
        creative.final_url = "https://shop.example.de/stiefel"
        creative.call_to_action = pb.CALL_TO_ACTION_SHOP_NOW
        creative.image_reference = "ad-site-i18n-sg/202612045d0d5a1f8e4a4c4f9c6c7b8a"
    else:
        c.objective, c.budget.amount_micros = pb.CAMPAIGN_OBJECTIVE_SALES, 10_000_000
        group.default_bid_micros = 500_000
        creative.asin = "B08N5WRWNW"
    return c


def create_all(specs):
    """Creates the drafts, CONCURRENCY at a time; returns their ids in the order of `specs`."""
    def create(spec):
        return stub.CreateCampaign(pb.CreateCampaignRequest(campaign=spec), metadata=metadata, timeout=60).id
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(create, specs))


RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def publish_all(ids, active):
    """Publishes, CONCURRENCY at a time, as a careful client does: an UNAVAILABLE or a deadline is
    retried (up to 3 times, after 1 s) with the same idempotency key. Returns {id: acknowledged at},
    the failures and the retries."""
    acked, failures, retries, lock = {}, [], [], threading.Lock()

    def publish(campaign_id):
        request = pb.PublishCampaignRequest(id=campaign_id, start_active=active,
                                            idempotency_key=f"bench-publish-{campaign_id}")
        for attempt in range(4):
            try:
                stub.PublishCampaign(request, metadata=metadata, timeout=60)
                with lock:
                    acked[campaign_id] = time.time()
                return
            except grpc.RpcError as error:
                if error.code() in RETRYABLE and attempt < 3:
                    with lock:
                        retries.append(f"{error.code()}: {error.details()}")
                    time.sleep(1)
                    continue
                with lock:
                    failures.append(f"{error.code()}: {error.details()}")
                return
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(publish, ids))
    return acked, failures, retries


def sweep(channels):
    """Every campaign of these channels, with its sync state, through ListCampaigns pages."""
    request = pb.ListCampaignsRequest(channels=[PROTO[c] for c in channels], page_size=1000)
    while True:
        page = stub.ListCampaigns(request, metadata=metadata, timeout=60)
        yield from page.campaigns
        if not page.next_page_token:
            return
        request.page_token = page.next_page_token


def wait_settled(channels, deadline, seen):
    """Sweeps until every campaign of `channels` is synced or failed, or the deadline passes; fills
    `seen` with each campaign's last listing. True when all settled."""
    while True:
        for c in sweep(channels):
            seen[c.id] = c
        pending = [c for c in seen.values() if NAME[c.channel] in channels and c.sync.state not in (SYNCED, FAILED)]
        if not pending:
            return True
        if time.time() > deadline:
            return False
        time.sleep(POLL)


def stamp(timestamp):
    return timestamp.seconds + timestamp.nanos / 1e9


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def on_sandbox(accounts):
    """Per channel: the campaigns, ad groups and ads the sandbox holds for the run's account, and
    how many distinct references (the `[tw-…]` name suffix) the campaigns carry: one of each per
    published campaign means no duplicate."""
    held = {}
    for name, (sandbox_id, _) in accounts.items():
        objects = sandbox("GET", f"objects?channel={name}&account={sandbox_id}")["objects"]
        campaigns = [o for o in objects if o["level"] == "campaign"]
        references = {m.group(0) for o in campaigns if (m := re.search(r"\[tw-[0-9a-f]+\]", o["name"]))}
        held[name] = {"campaigns": len(campaigns), "references": len(references),
                      "ad_groups": sum(1 for o in objects if o["level"] == "ad_group"),
                      "ads": sum(1 for o in objects if o["level"] == "ad")}
    return held


# --- A: the publish storm --------------------------------------------------------------------

def storm(label, limited):
    clean_slate()
    accounts = {name: link(name) for name in CHANNELS}
    latency_faults()
    if limited:
        # times 0: until cleared (an omitted `times` means once).
        sandbox("POST", "faults", {"channel": limited, "kind": "rate_limit", "account": accounts[limited][0],
                                   "times": 0})
    specs = [campaign(CHANNELS[i % 4], accounts[CHANNELS[i % 4]][1], f"{label} {i}") for i in range(N)]
    log(f"{label}: creating {N} drafts")
    started = time.time()
    ids = create_all(specs)
    created_s = time.time() - started
    channel_of = {cid: CHANNELS[i % 4] for i, cid in enumerate(ids)}
    # The channels compared across the two runs: every channel but the one rate-limited in the first.
    healthy = [c for c in CHANNELS if c != LIMITED]
    log(f"{label}: publishing {N} campaigns, {CONCURRENCY} at a time"
        + (f", {limited} answering only with rate limits" if limited else ""))
    figures = {"label": label, "limited_channel": limited, "create_seconds": created_s}
    seen = {}
    with RSSSampler() as rss:
        published_at = time.time()
        acked, failures, retries = publish_all(ids, active=False)
        figures["publish_seconds"] = max(acked.values(), default=published_at) - published_at
        figures["healthy_settled"] = wait_settled(healthy, published_at + TIMEOUT, seen)
        healthy_done = max((stamp(c.sync.synced_time) for c in seen.values()
                            if NAME[c.channel] in healthy and c.sync.state == SYNCED), default=published_at)
        if limited:
            for c in sweep([limited]):
                seen[c.id] = c
            head = [c for c in seen.values() if NAME[c.channel] == limited and c.sync.state in (RETRYING, FAILED)]
            cleared_at = time.time()
            figures["limited_at_clearing"] = [
                {"state": pb.SyncStateKind.Name(c.sync.state).removeprefix("SYNC_STATE_KIND_").lower(),
                 "attempts": c.sync.attempts, "error_code": c.sync.error_code,
                 "next_attempt_in_s": stamp(c.sync.next_attempt_time) - cleared_at
                 if c.sync.HasField("next_attempt_time") else None} for c in head]
            sandbox("DELETE", "faults")
            latency_faults()
            log(f"{label}: healthy channels settled; rate limit cleared, waiting for {limited}")
            figures["limited_settled"] = wait_settled([limited], cleared_at + TIMEOUT, seen)
            limited_synced = [stamp(c.sync.synced_time) for c in seen.values()
                              if NAME[c.channel] == limited and c.sync.state == SYNCED]
            figures["limited_outcome"] = {
                "campaigns": sum(1 for c in channel_of.values() if c == limited), "synced": len(limited_synced),
                "failed": sum(1 for c in seen.values() if NAME[c.channel] == limited and c.sync.state == FAILED),
                "first_synced_after_clearing_s": min(limited_synced, default=cleared_at) - cleared_at,
                "all_synced_after_clearing_s": max(limited_synced, default=cleared_at) - cleared_at,
            }
        else:
            figures["limited_settled"] = wait_settled([LIMITED], published_at + TIMEOUT, seen)
    figures["rss"] = rss.figures()
    figures["publish_failures"] = failures
    figures["publish_retries"] = retries
    figures["acknowledged"] = len(acked)
    per_channel = {}
    for name in CHANNELS:
        mine = [seen[cid] for cid, c in channel_of.items() if c == name and cid in seen]
        waits = [stamp(c.sync.synced_time) - acked[c.id] for c in mine if c.sync.state == SYNCED and c.id in acked]
        per_channel[name] = {"campaigns": sum(1 for c in channel_of.values() if c == name), "synced": len(waits),
                             "failed": sum(1 for c in mine if c.sync.state == FAILED),
                             "p50_s": percentile(waits, 50), "p99_s": percentile(waits, 99), "waits": waits}
    healthy_waits = [w for name in healthy for w in per_channel[name]["waits"]]
    all_synced = [stamp(c.sync.synced_time) for c in seen.values() if c.sync.state == SYNCED]
    figures["all_synced_per_second"] = len(all_synced) / max(max(all_synced, default=0) - published_at, 1e-9)
    figures["healthy"] = {"channels": healthy, "synced": len(healthy_waits),
                          "p50_s": percentile(healthy_waits, 50), "p99_s": percentile(healthy_waits, 99),
                          "synced_per_second": len(healthy_waits) / max(healthy_done - published_at, 1e-9)}
    for stats in per_channel.values():
        del stats["waits"]
    figures["channels"] = per_channel
    figures["sandbox"] = on_sandbox(accounts)
    return figures


# --- B: the metric sync and its floor --------------------------------------------------------

def metric_sync():
    clean_slate()
    accounts = [(name, *link(name)) for name in METRIC_CHANNELS for _ in range(METRIC_ACCOUNTS)]
    # Delivery starts on the sandbox's today when published: publish on the first of the days the
    # sync will pull, then give the sandbox the real date back, so every campaign has every day.
    first_day = (datetime.now(timezone.utc).date() - timedelta(days=METRIC_DAYS - 1)).isoformat()
    sandbox("POST", "clock", {"today": first_day})
    try:
        specs = [campaign(accounts[i % len(accounts)][0], accounts[i % len(accounts)][2], f"metrics {i}")
                 for i in range(METRIC_CAMPAIGNS)]
        log(f"metrics: creating and publishing {METRIC_CAMPAIGNS} campaigns on {len(accounts)} accounts "
            f"({', '.join(METRIC_CHANNELS)}) starting {first_day}, no injected latency")
        ids = create_all(specs)
        started = time.time()
        _, failures, _ = publish_all(ids, active=True)
        seen = {}
        settled = wait_settled(METRIC_CHANNELS, started + TIMEOUT, seen)
        published_s = time.time() - started
    finally:
        sandbox("POST", "clock", {"today": None})
    synced = sum(1 for c in seen.values() if c.sync.state == SYNCED)
    figures = {"campaigns": METRIC_CAMPAIGNS, "days": METRIC_DAYS, "accounts": len(accounts),
               "channels": METRIC_CHANNELS, "published_synced": synced, "publish_settle_seconds": published_s,
               "publish_failures": failures}
    if not settled or synced != METRIC_CAMPAIGNS:
        figures["error"] = f"only {synced} of {METRIC_CAMPAIGNS} campaigns synced before the metric sync"
        return figures

    # A request made while the account's pull runs is lost (the worker read the days it pulls
    # when it claimed the job: bench/README.md), so each request waits until no pull of its account
    # holds a lease. The sync starts from no rows, as the floor does.
    def unleased(account_ids):
        listed = ",".join(f"'{a}'" for a in account_ids)
        while int(sql_value(f"(SELECT count(*) FROM outbox_jobs WHERE tenant_id = '{TENANT}' AND state = 1 "
                            f"AND kind = 'metrics.sync' AND lease_expires_at > now() AND subject_id IN ({listed}))")):
            time.sleep(0.2)

    log("metrics: waiting for running metric pulls, then deleting the tenant's metric rows")
    unleased([account_id for _, _, account_id in accounts])
    sql(f"DELETE FROM channel_daily_metrics WHERE tenant_id = '{TENANT}'")
    sql("VACUUM ANALYZE channel_daily_metrics")

    # By default every account is asked at once, as the server's schedule pulls them: the worker
    # runs up to 8 pulls of a channel at a time, so receiving, decoding and storing overlap.
    # BENCH_METRIC_SEQUENTIAL=1 asks each account once the one before has finished.
    log(f"metrics: SyncChannelMetrics ({METRIC_DAYS} days) on {len(accounts)} accounts, "
        + ("one after the other" if METRIC_SEQUENTIAL else "all at once"))
    requested, finished = {}, {}

    def wait_for(account_ids, deadline):
        while time.time() < deadline:
            for account_id in account_ids:
                got = stub.GetChannelAccount(pb.GetChannelAccountRequest(id=account_id), metadata=metadata,
                                             timeout=30)
                if got.HasField("metrics_sync_time") and stamp(got.metrics_sync_time) > requested[account_id]:
                    finished[account_id] = stamp(got.metrics_sync_time)
            if all(a in finished for a in account_ids):
                return
            time.sleep(0.5)

    def request(account_id):
        unleased([account_id])
        requested[account_id] = time.time()
        stub.SyncChannelMetrics(pb.SyncChannelMetricsRequest(account_id=account_id, days=METRIC_DAYS),
                                metadata=metadata, timeout=30)
    with RSSSampler() as rss:
        started = time.time()
        ids = [account_id for _, _, account_id in accounts]
        if not METRIC_SEQUENTIAL:
            unleased(ids)
        for account_id in ids:
            request(account_id)
            if METRIC_SEQUENTIAL:
                wait_for([account_id], started + TIMEOUT)
        wait_for(ids, started + TIMEOUT)
    figures["rss"] = rss.figures()
    figures["sequential"] = METRIC_SEQUENTIAL
    if len(finished) < len(accounts):
        figures["error"] = f"only {len(finished)} of {len(accounts)} accounts finished their sync in {TIMEOUT} s"
        return figures
    sync_s = max(finished.values()) - started
    rows = int(sql_value(f"(SELECT count(*) FROM channel_daily_metrics WHERE tenant_id = '{TENANT}')"))
    figures.update({"sync_seconds": sync_s, "rows": rows, "expected_rows": METRIC_CAMPAIGNS * METRIC_DAYS})

    # Phases, per account: from the request to the start of the job's store transaction (the
    # worker's pick-up, reading the campaigns, and the pull from the channel, whose calls are
    # audited with their latencies), then that transaction (conversion, DELETE, INSERT, commit:
    # the latency of its `tradewind/channels.metrics_sync` record).
    phases = json.loads(sql_value(f"""(SELECT coalesce(jsonb_agg(p), '[]') FROM (
SELECT j.subject_id AS account, extract(epoch FROM j.finished_at) AS store_started,
       (SELECT count(*) FROM audit_records r WHERE r.tenant_id = j.tenant_id AND r.request_id = j.id::text) AS calls,
       (SELECT coalesce(sum((r.body::jsonb->>'latency_us')::bigint), 0) FROM audit_records r
         WHERE r.tenant_id = j.tenant_id AND r.request_id = j.id::text) AS calls_us,
       (SELECT max((r.body::jsonb->>'latency_us')::bigint) FROM audit_records r
         WHERE r.tenant_id = j.tenant_id AND r.method = 'tradewind/channels.metrics_sync'
           AND r.recorded_at >= j.finished_at
           AND r.resources @> ARRAY['channel_account:' || j.subject_id::text]) AS store_us
FROM outbox_jobs j
WHERE j.tenant_id = '{TENANT}' AND j.kind = 'metrics.sync' AND j.state = 2
  AND j.payload->>'days' = '{METRIC_DAYS}' AND j.finished_at >= to_timestamp({started})) p)"""))
    by_account = {a: n for n, _, a in accounts}
    figures["phases"] = [
        {"channel": by_account.get(p["account"], "?"), "account": p["account"],
         "fetch_s": p["store_started"] - requested[p["account"]], "calls": p["calls"],
         "calls_s": p["calls_us"] / 1e6, "store_s": (p["store_us"] or 0) / 1e6} for p in phases]

    # The floor: the same rows, moved back with one INSERT ... SELECT into the same table, as the
    # server's role under the tenant's policy, on the same cluster, from the same empty state.
    log(f"metrics: floor, INSERT ... SELECT of the {rows} rows")
    sql("DROP TABLE IF EXISTS bench_metrics_floor")
    sql(f"""CREATE TABLE bench_metrics_floor AS SELECT * FROM channel_daily_metrics WHERE tenant_id = '{TENANT}';
GRANT SELECT ON bench_metrics_floor TO tradewind_app;
DELETE FROM channel_daily_metrics WHERE tenant_id = '{TENANT}'""")
    try:
        sql("VACUUM ANALYZE channel_daily_metrics")
        sql("ANALYZE bench_metrics_floor")
        out = sql(f"""SET ROLE tradewind_app;
SELECT set_config('tradewind.tenant_id', '{TENANT}', true);
DO $$
DECLARE started timestamptz := clock_timestamp();
BEGIN
    INSERT INTO channel_daily_metrics SELECT * FROM bench_metrics_floor;
    RAISE NOTICE 'floor_ms=%', extract(epoch FROM clock_timestamp() - started) * 1000;
END $$""")
    finally:
        sql("DROP TABLE IF EXISTS bench_metrics_floor")
    figures["floor_seconds"] = float(re.search(r"floor_ms=([0-9.]+)", out).group(1)) / 1000
    return figures


# --- the report ------------------------------------------------------------------------------

def report(storms, metrics):
    lines, ok, met = [], True, True
    if storms:
        lines.append(f"A. publish storm: {N} campaigns (1 ad group, 1 ad each) over 4 channels, 1 account each, "
                     f"{LATENCY_MS} ms sandbox latency, {CONCURRENCY} Publish calls at a time")
        for run in storms:
            lines.append(f"  run '{run['label']}'" + (f" ({run['limited_channel']} answers only with rate limits)"
                                                      if run["limited_channel"] else " (no rate-limited neighbour)"))
            lines.append(f"    publishes: {run['acknowledged']} acknowledged in {run['publish_seconds']:.1f} s = "
                         f"{run['acknowledged'] / max(run['publish_seconds'], 1e-9):,.1f}/s "
                         f"(drafts created at {N / run['create_seconds']:,.1f}/s); failures: "
                         f"{run['publish_failures'][:3] or 'none'}; retried: {len(run['publish_retries'])}")
            h = run["healthy"]
            lines.append(f"    healthy channels ({', '.join(h['channels'])}): {h['synced']} synced at "
                         f"{h['synced_per_second']:,.1f}/s; time to synced p50 {h['p50_s']:.1f} s, "
                         f"p99 {h['p99_s']:.1f} s; all {N} synced at {run['all_synced_per_second']:,.1f}/s "
                         f"(first publish to last synced)")
            for name, c in run["channels"].items():
                s = run["sandbox"][name]
                lines.append(f"      {name:<10} {c['synced']:>5}/{c['campaigns']} synced, {c['failed']} failed, "
                             f"p50 {c['p50_s']:7.1f} s, p99 {c['p99_s']:7.1f} s; on the channel: "
                             f"{s['campaigns']} campaigns ({s['references']} references), {s['ad_groups']} ad groups, "
                             f"{s['ads']} ads")
                ok &= s["campaigns"] == s["references"] == s["ad_groups"] == s["ads"] == c["synced"] == c["campaigns"]
            r = run["rss"]
            lines.append(f"    server RSS: {r['before_mib']:.0f} MiB before, {r['peak_mib']:.0f} MiB peak, "
                         f"{r['end_mib']:.0f} MiB at the end; VmHWM {r['hwm_mib']:.0f} MiB")
            ok &= run["healthy_settled"] and run["limited_settled"] and not run["publish_failures"]
            ok &= run["acknowledged"] == N
        with_n, alone = storms
        lim = with_n["limited_outcome"]
        heads = ", ".join(f"{h['state']} after {h['attempts']} attempts ({h['error_code']}), next in "
                          f"{h['next_attempt_in_s']:.0f} s" if h["next_attempt_in_s"] is not None else
                          f"{h['state']} after {h['attempts']} attempts" for h in with_n["limited_at_clearing"])
        lines.append(f"  {LIMITED} once the rate limit was cleared: {lim['synced']} of {lim['campaigns']} synced, "
                     f"{lim['failed']} failed; first {lim['first_synced_after_clearing_s']:.1f} s, all "
                     f"{lim['all_synced_after_clearing_s']:.1f} s after clearing (queue head at clearing: "
                     f"{heads or 'none'}; backoff 2 s doubling, capped at 900 s, 12 attempts)")
        ratio = with_n["healthy"]["p99_s"] / alone["healthy"]["p99_s"]
        met &= ratio <= 1.2
        lines.append(f"  healthy p99 with / without the neighbour: {with_n['healthy']['p99_s']:.1f} / "
                     f"{alone['healthy']['p99_s']:.1f} s = {ratio:.2f} (target <= 1.2: "
                     f"{'met' if ratio <= 1.2 else 'MISSED'})")
    if metrics:
        m = metrics
        lines.append(f"B. metric sync: {m['campaigns']:,} campaigns x {m['days']} days on {m['accounts']} accounts "
                     f"({', '.join(m['channels'])}); published and synced in {m['publish_settle_seconds']:.0f} s")
        if "error" in m:
            lines.append(f"  ERROR: {m['error']}")
            ok = False
        else:
            sync_rate, floor_rate = m["rows"] / m["sync_seconds"], m["rows"] / m["floor_seconds"]
            ratio = m["floor_seconds"] / m["sync_seconds"]
            met &= ratio >= 0.5
            ok &= m["rows"] == m["expected_rows"]
            lines.append(f"  SyncChannelMetrics: {m['rows']:,} rows (expected {m['expected_rows']:,}) in "
                         f"{m['sync_seconds']:.1f} s = {sync_rate:,.0f} rows/s ("
                         + ("accounts one after the other)" if m["sequential"] else "all accounts at once)"))
            for name in m["channels"]:
                mine = [p for p in m["phases"] if p["channel"] == name]
                fetch, calls = sum(p["fetch_s"] for p in mine), sum(p["calls_s"] for p in mine)
                summed = "" if m["sequential"] else " (each phase summed over the accounts, which overlap)"
                lines.append(
                    f"      {name:<10} {len(mine)} accounts{summed}: channel calls {calls:.1f} s "
                    f"({sum(p['calls'] for p in mine)} calls: the sandbox answering), server before storing "
                    f"{fetch - calls:.1f} s (pick-up, reading the campaigns, parsing the answers), store transactions "
                    f"{sum(p['store_s'] for p in mine):.1f} s (max {max(p['store_s'] for p in mine):.1f} s)")
            store_s = sum(p["store_s"] for p in m["phases"])
            lines.append(f"  floor INSERT ... SELECT: {m['rows']:,} rows in {m['floor_seconds']:.1f} s = "
                         f"{floor_rate:,.0f} rows/s")
            r = m["rss"]
            lines.append(f"  server RSS during the sync: {r['before_mib']:.0f} MiB before, {r['peak_mib']:.0f} MiB "
                         f"peak; VmHWM {r['hwm_mib']:.0f} MiB")
            lines.append(f"  ratio floor/sync: {ratio:.2f} (target >= 0.5: {'met' if ratio >= 0.5 else 'MISSED'}); the "
                         f"server's own part, floor/store transactions: {m['floor_seconds'] / store_s:.2f}")
    if not ok:
        lines.append("ERROR: a check failed (see above): the figures are not valid")
    return lines, ok, met


def main():
    storms, metrics = [], None
    if "publish" in PARTS:
        storms = [storm("with neighbour", LIMITED), storm("alone", None)]
    if "metrics" in PARTS:
        metrics = metric_sync()
    json.dump({"storms": storms, "metrics": metrics}, open(f"{results}/figures.json", "w"), indent=1)
    lines, ok, met = report(storms, metrics)
    open(f"{results}/summary.txt", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    sys.exit(1 if not ok else 0 if met else 3)


if __name__ == "__main__":
    main()
