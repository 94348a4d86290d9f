"""Client of bench/audiences: a segment of BENCH_MEMBERS synced to one Meta custom audience, the
server's memory over the run, and a withdrawal made mid-sync, timed until the channel confirmed it.

Usage: audiences.py GENERATED_DIR RESULTS_DIR
Everything else comes from the environment bench/audiences exports (BENCH_*, BENCH_SERVER,
BENCH_CA, BENCH_KEY_FILE, BENCH_SANDBOX, BENCH_TENANT_ID, BENCH_SERVER_PID, BENCH_REPO).
Writes RESULTS_DIR/figures.json, progress.tsv, memory.tsv and summary.txt, prints the summary;
exit 0 when the sync and the removal finished and every check passed, 1 otherwise.
"""

import hashlib
import json
import os
import random
import re
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

generated, results = sys.argv[1:3]
sys.path.insert(0, generated)

import grpc  # noqa: E402
from tradewind.v1 import audiences_pb2 as apb  # noqa: E402
from tradewind.v1 import audiences_pb2_grpc as apb_grpc  # noqa: E402
from tradewind.v1 import campaigns_pb2 as cpb  # noqa: E402
from tradewind.v1 import campaigns_pb2_grpc as cpb_grpc  # noqa: E402
from tradewind.v1 import contacts_pb2 as kpb  # noqa: E402
from tradewind.v1 import contacts_pb2_grpc as kpb_grpc  # noqa: E402
from tradewind.v1 import events_pb2  # noqa: E402

env = os.environ
N = int(env["BENCH_MEMBERS"])
WITHDRAW_AT = float(env["BENCH_WITHDRAW_AT"])
TIMEOUT = int(env["BENCH_TIMEOUT"])
VERIFY_SANDBOX = env["BENCH_VERIFY_SANDBOX"] == "1"
TENANT = env["BENCH_TENANT_ID"]
SERVER_PID = env["BENCH_SERVER_PID"]
SEGMENT_NAME = f"Audience bench {N}"
BATCH = 10_000  # ChannelJobRunner.audienceBatch

key = open(env["BENCH_KEY_FILE"]).read().strip()
metadata = (("authorization", f"Bearer {key}"),)
channel = grpc.secure_channel(
    env["BENCH_SERVER"],
    grpc.ssl_channel_credentials(root_certificates=open(env["BENCH_CA"], "rb").read()),
    options=(("grpc.ssl_target_name_override", "localhost"),),
)
audiences = apb_grpc.AudiencesStub(channel)
campaigns = cpb_grpc.CampaignsStub(channel)
contacts = kpb_grpc.ContactsStub(channel)
tls = ssl.create_default_context(cafile=env["BENCH_CA"])
started_wall = time.time()


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


# --- the channels' sandbox and the region's database ------------------------------------------

def sandbox(method, path, body=None, timeout=120):
    request = urllib.request.Request(
        f"{env['BENCH_SANDBOX']}/_sandbox/{path}", method=method,
        data=None if body is None else json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, context=tls, timeout=timeout) as answer:
        return json.loads(answer.read() or b"{}")


def sql(statements):
    """Runs statements on the tenant's region (eu) as the superuser (one transaction when there
    are several); returns psql's output."""
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


def sql_json(expression):
    return json.loads(sql_value(f"({expression})::jsonb"))


# --- the seed: contacts, grants and the segment, in the bench tenant only -----------------------

def seeded():
    """Whether the tenant holds exactly the seed of this size: N contacts, N members."""
    got = sql_json(f"""json_build_object(
  'contacts', (SELECT count(*) FROM contacts WHERE tenant_id = '{TENANT}'),
  'members', (SELECT count(*) FROM segment_memberships sm JOIN segments s
               ON s.tenant_id = sm.tenant_id AND s.id = sm.segment_id
               WHERE s.tenant_id = '{TENANT}' AND s.name = '{SEGMENT_NAME}'),
  'segments', (SELECT count(*) FROM segments WHERE tenant_id = '{TENANT}'))""")
    return got == {"contacts": N, "members": N, "segments": 1}


def seed():
    """N contacts with a grant for ad personalisation (ledger entry and current consent, as
    ContactRepository.recordConsent writes them) in one segment of that purpose. Set-based SQL as
    the superuser (row-level security does not apply to it), one transaction per table."""
    log(f"seeding {N:,} contacts, grants and memberships with SQL (the bench tenant only)")
    t0 = time.time()
    sql(f"""DELETE FROM segments WHERE tenant_id = '{TENANT}';
DELETE FROM consent_events WHERE tenant_id = '{TENANT}';
DELETE FROM contacts WHERE tenant_id = '{TENANT}'""")
    sql(f"""INSERT INTO contacts (tenant_id, id, external_id, email, phone, name, country, language, created_at,
                      updated_at)
SELECT '{TENANT}', gen_random_uuid(), 'bench-m' || n, 'm' || n || '@bench.example',
       '+49151' || lpad(n::text, 7, '0'), 'Bench member ' || n, 'DE', 'de', now(), now()
FROM generate_series(1, {N}) AS n""")
    sql(f"""INSERT INTO consent_events (tenant_id, id, contact_id, purpose, action, lawful_basis, source, regime,
                            occurred_at, recorded_at)
SELECT tenant_id, gen_random_uuid(), id, 'ad_personalisation', 'grant', 'consent', 'bench:seed', 'gdpr',
       now() - interval '1 day', now()
FROM contacts WHERE tenant_id = '{TENANT}'""")
    sql(f"""INSERT INTO contact_consents (tenant_id, contact_id, purpose, granted, lawful_basis, source, regime,
                              occurred_at, recorded_at)
SELECT tenant_id, id, 'ad_personalisation', true, 'consent', 'bench:seed', 'gdpr', now() - interval '1 day', now()
FROM contacts WHERE tenant_id = '{TENANT}'""")
    sql(f"""INSERT INTO segments (tenant_id, id, name, description, purpose)
VALUES ('{TENANT}', gen_random_uuid(), '{SEGMENT_NAME}', 'bench/audiences', 'ad_personalisation');
INSERT INTO segment_memberships (tenant_id, segment_id, contact_id, added_at)
SELECT c.tenant_id, s.id, c.id, now() FROM contacts c
JOIN segments s ON s.tenant_id = c.tenant_id AND s.name = '{SEGMENT_NAME}'
WHERE c.tenant_id = '{TENANT}'""")
    for table in ("contacts", "consent_events", "contact_consents", "segments", "segment_memberships"):
        sql(f"VACUUM ANALYZE {table}")
    log(f"seeded in {time.time() - t0:.0f} s")


def clean_slate():
    """Every run starts where the others did: no audience syncs, hashes, outbox work or channel
    accounts of the bench tenant, every member's consent a grant again (an earlier run's
    withdrawal is granted back, in the ledger too), and an empty sandbox."""
    deadline = time.time() + 200
    while int(sql_value(f"(SELECT count(*) FROM outbox_jobs WHERE tenant_id = '{TENANT}' AND state = 1 "
                        f"AND lease_expires_at > now())")):
        if time.time() > deadline:
            raise RuntimeError("an earlier run's job still holds its lease")
        log("waiting for an earlier run's leased job to lose its lease")
        time.sleep(5)
    sql(f"""DELETE FROM audience_sync_members WHERE tenant_id = '{TENANT}';
DELETE FROM audience_syncs WHERE tenant_id = '{TENANT}';
DELETE FROM outbox_jobs WHERE tenant_id = '{TENANT}';
DELETE FROM outbox_queues WHERE tenant_id = '{TENANT}';
DELETE FROM outbox_wake WHERE tenant_id = '{TENANT}';
DELETE FROM channel_daily_metrics WHERE tenant_id = '{TENANT}';
DELETE FROM channel_accounts WHERE tenant_id = '{TENANT}'""")
    sql(f"""INSERT INTO consent_events (tenant_id, id, contact_id, purpose, action, lawful_basis, source, regime,
                            occurred_at, recorded_at)
SELECT tenant_id, gen_random_uuid(), contact_id, 'ad_personalisation', 'grant', 'consent', 'bench:regrant', 'gdpr',
       clock_timestamp(), clock_timestamp()
FROM contact_consents WHERE tenant_id = '{TENANT}' AND purpose = 'ad_personalisation' AND NOT granted;
UPDATE contact_consents SET granted = true, lawful_basis = 'consent', source = 'bench:regrant', regime = 'gdpr',
    occurred_at = clock_timestamp(), recorded_at = clock_timestamp()
WHERE tenant_id = '{TENANT}' AND purpose = 'ad_personalisation' AND NOT granted""")
    # audience_sync_members is left to autovacuum: analysed right after this delete (empty), its
    # statistics made the first batches' queries of the next sync miss the server's 5 s database
    # timeout until autovacuum analysed it again (run of 2026-12-05 06:10, bench/README.md).
    for table in ("audience_syncs", "outbox_jobs"):
        sql(f"VACUUM ANALYZE {table}")
    sandbox("POST", "reset")


# --- server memory ---------------------------------------------------------------------------

def status_kib():
    values = {}
    with open(f"/proc/{SERVER_PID}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


class MemorySampler:
    """VmRSS and VmHWM every 100 ms while the run lasts."""

    def __init__(self):
        self.samples, self.stop = [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            rss, hwm = status_kib()
            self.samples.append((time.time(), rss, hwm))
            self.stop.wait(0.1)

    def start(self):
        self.thread.start()

    def finish(self):
        self.stop.set()
        self.thread.join()

    def peak(self, since=0.0, until=float("inf")):
        return max((rss for t, rss, _ in self.samples if since <= t <= until), default=0)


# --- the account, the export and the sync ------------------------------------------------------

def link_meta():
    """A new sandbox Meta ad account (EUR, UTC) linked to the tenant; returns (sandbox id, link id)."""
    sandbox_id = str(random.randint(1_000_000_000, 9_999_999_999))
    sandbox("POST", "accounts", {"channel": "meta", "id": sandbox_id, "currency": "EUR", "time_zone": "UTC",
                                 "country_code": "DE"})
    request = cpb.LinkChannelAccountRequest(channel=events_pb2.CHANNEL_META, external_id=f"act_{sandbox_id}",
                                            page_id="102938475610")
    request.credentials.access_token = f"sandbox-access-meta-{sandbox_id}"
    return sandbox_id, campaigns.LinkChannelAccount(request, metadata=metadata, timeout=30).id


def stamp(timestamp):
    return timestamp.seconds + timestamp.nanos / 1e9 if timestamp.seconds else None


def pick_member(sync_id):
    """A member the list holds now: their contact id and e-mail."""
    got = sql_json(f"""(SELECT json_build_object('id', m.contact_id, 'email', c.email)
FROM audience_sync_members m JOIN contacts c ON c.tenant_id = m.tenant_id AND c.id = m.contact_id
WHERE m.tenant_id = '{TENANT}' AND m.sync_id = '{sync_id}' AND m.state = 1 LIMIT 1)""")
    return got["id"], got["email"]


def server_state(sync_id, member):
    """The withdrawn member's hash rows (any state), the sync's jobs and the times of its
    `tradewind/audiences.sync` records of passes that reached the segment's end (`pass:complete`; a
    pass sends for at most 45 s, then the next goes on from its cursor), in one look."""
    member_rows = (f"(SELECT count(*) FROM audience_sync_members WHERE tenant_id = '{TENANT}' "
                   f"AND sync_id = '{sync_id}' AND contact_id = '{member}')") if member else "0"
    return sql_json(f"""json_build_object(
  'member_rows', {member_rows},
  'jobs', (SELECT coalesce(json_agg(json_build_object(
            'id', id, 'state', state, 'attempts', attempts, 'created', extract(epoch FROM created_at),
            'due', extract(epoch FROM due_at), 'lease_expires', extract(epoch FROM lease_expires_at),
            'finished', extract(epoch FROM finished_at), 'error', last_error_code) ORDER BY sequence), '[]')
           FROM outbox_jobs WHERE tenant_id = '{TENANT}' AND subject_id = '{sync_id}'
             AND kind = 'audience.sync'),
  'pass_records', (SELECT coalesce(json_agg(extract(epoch FROM recorded_at) ORDER BY seq), '[]') FROM audit_records
           WHERE tenant_id = '{TENANT}' AND method = 'tradewind/audiences.sync'
             AND resources @> ARRAY['audience_sync:{sync_id}', 'pass:complete']
             AND recorded_at >= to_timestamp({started_wall})))""")


def exchanges(sync_id):
    """The run's channel exchanges per operation, from the tenant's audit chain: count, HTTP
    latency summed, first and last record time, and the remove calls' record times."""
    return sql_json(f"""(SELECT coalesce(json_agg(x), '[]') FROM (
SELECT body::jsonb->'destination'->>'operation' AS operation, request_id AS job, count(*) AS calls,
       sum((body::jsonb->>'latency_us')::bigint) / 1e6 AS seconds,
       extract(epoch FROM min(recorded_at)) AS first, extract(epoch FROM max(recorded_at)) AS last,
       (SELECT json_agg(extract(epoch FROM r2.recorded_at) ORDER BY r2.recorded_at) FROM audit_records r2
         WHERE r2.tenant_id = r.tenant_id AND r2.request_id = r.request_id
           AND r2.body::jsonb->'destination'->>'operation' = 'customaudience.users:remove') AS removes
FROM audit_records r
WHERE tenant_id = '{TENANT}' AND resources @> ARRAY['audience_sync:{sync_id}']
  AND method LIKE 'tradewind/channels.%' AND recorded_at >= to_timestamp({started_wall})
GROUP BY 1, 2, r.tenant_id, r.request_id ORDER BY 5) x)""")


def run_records(sync_id):
    """The `tradewind/audiences.sync` records: one per finished pass, with its counts."""
    return sql_json(f"""(SELECT coalesce(json_agg(json_build_object('job', request_id,
    'at', extract(epoch FROM recorded_at), 'resources', resources,
    'latency_s', (body::jsonb->>'latency_us')::bigint / 1e6) ORDER BY seq), '[]')
FROM audit_records WHERE tenant_id = '{TENANT}' AND method = 'tradewind/audiences.sync'
  AND resources @> ARRAY['audience_sync:{sync_id}'] AND recorded_at >= to_timestamp({started_wall}))""")


def mib(kib):
    return kib / 1024


def main():
    if not seeded():
        clean_slate()
        seed()
    clean_slate()
    sandbox_id, account_id = link_meta()
    audiences.SetAudienceExport(apb.SetAudienceExportRequest(
        export=apb.AudienceExport(channel=events_pb2.CHANNEL_META, allowed=True)), metadata=metadata, timeout=30)
    segment_id = sql_value(f"(SELECT id FROM segments WHERE tenant_id = '{TENANT}' AND name = '{SEGMENT_NAME}')")
    log(f"sandbox Meta account act_{sandbox_id} linked ({account_id}); segment {segment_id} of {N:,}")

    memory = MemorySampler()
    rss_before, hwm_before = status_kib()
    memory.start()
    progress, tenths, withdrawal, printed = [], {}, None, 0
    t_request = time.time()
    sync = audiences.StartAudienceSync(apb.StartAudienceSyncRequest(
        segment_id=segment_id, account_id=account_id, list_name=f"bench {N}"), metadata=metadata, timeout=30)
    t_start = time.time()
    sync_id = sync.id
    log(f"sync {sync_id} started ({(t_start - t_request) * 1000:.0f} ms); GetAudienceSync every second")
    print("t_s\tstatus\ton_list\tsent\tpending\tremoved\tjobs\trss_mib\thwm_mib", file=sys.stderr, flush=True)
    pass_end = None
    state = {"jobs": []}
    deadline = t_start + TIMEOUT
    try:
        while time.time() < deadline:
            tick = time.time()
            s = audiences.GetAudienceSync(apb.GetAudienceSyncRequest(id=sync_id), metadata=metadata, timeout=30)
            get_ms = (time.time() - tick) * 1000
            rss, hwm = status_kib()
            state = server_state(sync_id, withdrawal and withdrawal["contact_id"])
            now = time.time()
            row = {"t": now - t_start, "status": apb.AudienceSyncStatus.Name(s.status), "on_list": s.members_on_list,
                   "sent": s.members_sent, "pending": s.pending_removals, "removed": s.members_removed,
                   "rss_kib": rss, "hwm_kib": hwm, "get_ms": get_ms, "error": s.last_error_code,
                   "jobs": [(j["state"], j["attempts"]) for j in state["jobs"]]}
            progress.append(row)
            print(f"{row['t']:.0f}\t{row['status']}\t{s.members_on_list}\t{s.members_sent}\t{s.pending_removals}\t"
                  f"{s.members_removed}\t{row['jobs']}\t{mib(rss):.0f}\t{mib(hwm):.0f}"
                  + (f"\terror={s.last_error_code}: {s.last_error_message[:120]}" if s.last_error_code else ""),
                  file=sys.stderr, flush=True)
            for tenth in range(1, 11):
                if tenth not in tenths and s.members_on_list >= N * tenth / 10 - (1 if withdrawal else 0):
                    tenths[tenth] = {"t": row["t"], "on_list": s.members_on_list, "rss_kib": rss, "hwm_kib": hwm}
            # The segment is through when a pass reaches its end: that pass's run record says
            # `pass:complete` (it commits with the pass's last step, even if its lease was lost).
            finished = state["pass_records"]
            if pass_end is None and finished:
                pass_end = min(finished)
                log(f"the whole segment was through {pass_end - t_start:.1f} s after the sync was started")
            # The withdrawal: a member on the list, once WITHDRAW_AT of the segment is there (or after
            # the pass, when the whole segment went in one batch).
            if withdrawal is None and (s.members_on_list >= WITHDRAW_AT * N or pass_end is not None) \
                    and s.members_on_list > 0:
                contact_id, email = pick_member(sync_id)
                before = time.time()
                contacts.RecordConsent(kpb.RecordConsentRequest(
                    contact_id=contact_id, purpose=kpb.CONSENT_PURPOSE_AD_PERSONALISATION,
                    action=kpb.CONSENT_ACTION_WITHDRAW, source="bench:withdraw", regime=kpb.PRIVACY_REGIME_GDPR),
                    metadata=metadata, timeout=30)
                acked = time.time()
                withdrawal = {"contact_id": contact_id, "email_sha256": hashlib.sha256(email.encode()).hexdigest(),
                              "requested": before, "acknowledged": acked, "on_list": s.members_on_list,
                              "during_pass": pass_end is None, "rows_gone": None, "pending_zero": None,
                              "seen_owed": False}
                log(f"withdrew {contact_id} with {s.members_on_list:,} members on the list "
                    f"(RecordConsent {1000 * (acked - before):.0f} ms)")
                continue
            if withdrawal and withdrawal["pending_zero"] is None:
                if s.pending_removals > 0:
                    withdrawal["seen_owed"] = True
                if state["member_rows"] == 0 and withdrawal["rows_gone"] is None:
                    withdrawal["rows_gone"] = now
                    log(f"the withdrawn member's hash rows are gone, {now - withdrawal['acknowledged']:.1f} s "
                        f"after the withdrawal")
                if s.pending_removals == 0 and state["member_rows"] == 0:
                    withdrawal["pending_zero"] = now
            if pass_end is not None and withdrawal and withdrawal["pending_zero"] is not None:
                break
            time.sleep(max(0.0, 1.0 - (time.time() - tick)))
    finally:
        t_end = time.time()
        rss_after, hwm_after = status_kib()
        memory.finish()

    final = audiences.GetAudienceSync(apb.GetAudienceSyncRequest(id=sync_id), metadata=metadata, timeout=30)
    calls = exchanges(sync_id)
    passes = run_records(sync_id)
    figures = {
        "members": N, "sync_id": sync_id, "t_start": t_start, "account": f"act_{sandbox_id}", "timeout": time.time() > deadline,
        "start_rpc_ms": (t_start - t_request) * 1000,
        "pass_seconds": None if pass_end is None else pass_end - t_start,
        "final": {"status": apb.AudienceSyncStatus.Name(final.status), "on_list": final.members_on_list,
                  "sent": final.members_sent, "removed": final.members_removed, "pending": final.pending_removals,
                  "last_error": final.last_error_code, "next_run_in_s": (stamp(final.next_run_time) or 0) - time.time()},
        "memory": {"rss_before_mib": mib(rss_before), "hwm_before_mib": mib(hwm_before),
                   "rss_peak_mib": mib(memory.peak()), "rss_after_mib": mib(rss_after), "hwm_after_mib": mib(hwm_after),
                   "tenths": {str(k): {"t": v["t"], "on_list": v["on_list"], "rss_mib": mib(v["rss_kib"]),
                                       "hwm_mib": mib(v["hwm_kib"])} for k, v in sorted(tenths.items())},
                   "samples": len(memory.samples)},
        "withdrawal": None, "jobs": state["jobs"], "exchanges": calls, "passes": passes,
        "get_sync_ms": {"median": sorted(r["get_ms"] for r in progress)[len(progress) // 2] if progress else None,
                        "max": max((r["get_ms"] for r in progress), default=None)},
    }
    if withdrawal:
        w = dict(withdrawal)
        removes = sorted(t for c in calls for t in (c["removes"] or []) if t >= w["requested"])
        w["remove_call_recorded_s"] = removes[0] - w["acknowledged"] if removes else None
        w["rows_gone_s"] = w["rows_gone"] - w["acknowledged"] if w["rows_gone"] else None
        w["pending_zero_s"] = w["pending_zero"] - w["acknowledged"] if w["pending_zero"] else None
        w["at_s"] = w["acknowledged"] - t_start
        w["pass_end_minus_withdrawal_s"] = pass_end - w["acknowledged"] if pass_end else None
        figures["withdrawal"] = w
    if VERIFY_SANDBOX:
        log("reading the sandbox's list (every hash) to check it")
        t0 = time.time()
        lists = sandbox("GET", f"audiences?channel=meta&account={sandbox_id}", timeout=1200)["audiences"]
        figures["sandbox"] = {
            "lists": len(lists), "read_s": time.time() - t0,
            "emails": sum(len(a["email_sha256"]) for a in lists), "phones": sum(len(a["phone_sha256"]) for a in lists),
            "withdrawn_on_list": bool(withdrawal) and any(withdrawal["email_sha256"] in a["email_sha256"] for a in lists)}
        del lists
    with open(f"{results}/progress.tsv", "w") as f:
        f.write("t_s\tstatus\ton_list\tsent\tpending\tremoved\trss_kib\thwm_kib\tget_ms\n")
        for r in progress:
            f.write(f"{r['t']:.2f}\t{r['status']}\t{r['on_list']}\t{r['sent']}\t{r['pending']}\t{r['removed']}\t"
                    f"{r['rss_kib']}\t{r['hwm_kib']}\t{r['get_ms']:.1f}\n")
    with open(f"{results}/memory.tsv", "w") as f:
        f.write("t_s\tvmrss_kib\tvmhwm_kib\n")
        for t, rss, hwm in memory.samples:
            f.write(f"{t - t_start:.2f}\t{rss}\t{hwm}\n")
    json.dump(figures, open(f"{results}/figures.json", "w"), indent=1)
    lines, ok = report(figures)
    open(f"{results}/summary.txt", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    sys.exit(0 if ok else 1)


def report(f):
    ok = True
    lines = [f"Audience sync: {f['members']:,} members (e-mail and phone each) to one Meta custom audience "
             f"({f['account']}), batches of {BATCH:,}"]
    fin = f["final"]
    if f["pass_seconds"] is None:
        ok = False
        lines.append(f"  ERROR: the segment was not through within {TIMEOUT} s")
    else:
        passes = sum(1 for p in f["passes"] if p["at"] <= f["t_start"] + f["pass_seconds"] + 1)
        lines.append(f"  whole segment: {f['pass_seconds']:.1f} s from StartAudienceSync to the end of the pass that "
                     f"reached its end ({passes} passes of at most 45 s) = "
                     f"{f['members'] / f['pass_seconds']:,.0f} members/s")
    lines.append(f"  at the end: {fin['status']}, {fin['on_list']:,} on the list, {fin['sent']:,} sent, "
                 f"{fin['removed']:,} removed, {fin['pending']} removals owed, last error "
                 f"'{fin['last_error'] or 'none'}', next run in {fin['next_run_in_s']:.0f} s")
    ops = {}
    for c in f["exchanges"]:
        o = ops.setdefault(c["operation"], {"calls": 0, "seconds": 0.0, "jobs": set()})
        o["calls"] += c["calls"]
        o["seconds"] += c["seconds"] or 0
        o["jobs"].add(c["job"])
    lines.append("  channel exchanges (audit records): " + "; ".join(
        f"{op} {o['calls']} calls, {o['seconds']:.1f} s on the wire, {len(o['jobs'])} job(s)"
        for op, o in sorted(ops.items())))
    lines.append("  passes recorded (tradewind/audiences.sync): " + "; ".join(
        f"{[r for r in p['resources'] if r.startswith('members_')]} in {p['latency_s']:.1f} s" for p in f["passes"]))
    lines.append("  outbox jobs: " + "; ".join(
        f"state {j['state']}, {j['attempts']} attempt(s)"
        + (f", finished {j['finished'] - f['t_start']:.1f} s after the start" if j["finished"] else "")
        + (f", error '{j['error']}'" if j["error"] else "") for j in f["jobs"]))
    m = f["memory"]
    lines.append(f"  server memory: VmRSS {m['rss_before_mib']:.0f} MiB before, {m['rss_peak_mib']:.0f} MiB peak "
                 f"(100 ms samples), {m['rss_after_mib']:.0f} MiB after; VmHWM {m['hwm_before_mib']:.0f} -> "
                 f"{m['hwm_after_mib']:.0f} MiB")
    lines.append("  VmRSS by tenth of the segment on the list: " + ", ".join(
        f"{int(k) * 10}% {v['rss_mib']:.0f}" for k, v in m["tenths"].items()) + " MiB")
    w = f["withdrawal"]
    if not w:
        ok = False
        lines.append("  ERROR: no withdrawal was made")
    else:
        when = "during the pass" if w["during_pass"] else "after the pass"
        lines.append(f"  withdrawal {when}, {w['at_s']:.1f} s in, with {w['on_list']:,} on the list"
                     + (f", {w['pass_end_minus_withdrawal_s']:.1f} s before the pass ended"
                        if w["during_pass"] and w["pass_end_minus_withdrawal_s"] is not None else ""))
        if w["pending_zero_s"] is None:
            ok = False
            lines.append("  ERROR: the removal was not confirmed before the timeout")
        else:
            lines.append(f"    removal confirmed (member's hash rows gone, pending_removals 0): "
                         f"{w['pending_zero_s']:.1f} s after RecordConsent (rows gone seen at {w['rows_gone_s']:.1f} s; "
                         f"polled every second); the channel's remove call recorded at "
                         + (f"{w['remove_call_recorded_s']:.1f} s" if w["remove_call_recorded_s"] is not None else "?")
                         + f"; removal owed seen by GetAudienceSync: {'yes' if w['seen_owed'] else 'no'}")
    sb = f.get("sandbox")
    if sb:
        expected = f["members"] - (1 if w else 0)
        good = sb["emails"] == expected and sb["phones"] == expected and not sb["withdrawn_on_list"]
        ok &= good
        lines.append(f"  sandbox list: {sb['lists']} list(s), {sb['emails']:,} e-mail and {sb['phones']:,} phone hashes "
                     f"(expected {expected:,} each); withdrawn member's e-mail hash on it: "
                     f"{'YES' if sb['withdrawn_on_list'] else 'no'} ({'ok' if good else 'WRONG'})")
    ok &= fin["on_list"] == f["members"] - (1 if w else 0) and fin["pending"] == 0
    g = f["get_sync_ms"]
    if g["median"] is not None:
        lines.append(f"  GetAudienceSync during the run: median {g['median']:.0f} ms, max {g['max']:.0f} ms")
    if not ok:
        lines.append("ERROR: a check failed (see above)")
    return lines, ok


if __name__ == "__main__":
    main()
