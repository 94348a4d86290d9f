"""The channels' side of the seed: ad accounts linked on tradewind-sandbox, campaigns published
there with its clock set back, and their daily metrics pulled into Tradewind (seed.py runs these).
"""

import hashlib
import json
import ssl
import time
import urllib.request
from datetime import timedelta

from tradewind.v1 import analytics_pb2 as analytics_pb
from tradewind.v1 import campaigns_pb2 as campaigns_pb
from tradewind.v1 import content_pb2 as content_pb

from seed_history import CHANNELS, Placement

TIMEOUT = 30.0  # seconds, per call
PUBLISH_WAIT = 120.0  # seconds for the outbox to publish every campaign
METRICS_WAIT = 180.0  # seconds for the metric pulls (Amazon's reports are asynchronous)

# Sandbox account ids: one per channel and tenant (the tenant's place in PROFILES is added).
SANDBOX_ACCOUNT_BASE = {
    "google_ads": 7_100_000_000,
    "meta": 2_300_000_000_000_000,
    "tiktok": 7_300_000_000_000_000_000,
    "amazon_ads": 3_500_000_000_000_000,
}
SANDBOX_CHANNEL = {"google_ads": "google-ads", "meta": "meta", "tiktok": "tiktok", "amazon_ads": "amazon-ads"}


class Sandbox:
    """The control API of tradewind-sandbox (`/_sandbox/`): accounts and the clock."""

    def __init__(self, url, ca_path):
        self.url = url.rstrip("/") + "/_sandbox/"
        self.tls = ssl.create_default_context(cafile=ca_path)

    def post(self, path, body):
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method="POST", headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, context=self.tls, timeout=TIMEOUT) as response:
            return json.load(response)

    def set_clock(self, day):
        self.post("clock", {"today": day.isoformat() if day else None})


def link_accounts(tenant, sandbox):
    """An account on each channel the tenant's campaigns use, provisioned on the sandbox in the
    tenant's currency and time zone, and linked unless it is already."""
    profile = tenant.profile
    linked = tenant.campaigns.ListChannelAccounts(
        campaigns_pb.ListChannelAccountsRequest(page_size=1000), timeout=TIMEOUT
    ).accounts
    for channel in dict.fromkeys(plan.channel for plan in profile.campaigns):
        account_id = str(SANDBOX_ACCOUNT_BASE[channel] + tenant.number)
        sandbox.post(
            "accounts",
            {
                "channel": SANDBOX_CHANNEL[channel],
                "id": account_id,
                "currency": profile.currency,
                "time_zone": profile.time_zone,
                "country_code": profile.markets[0].country,  # Amazon: the profile's marketplace
                "name": f"{tenant.slug} {SANDBOX_CHANNEL[channel]}",
            },
        )
        found = [
            a
            for a in linked
            if a.channel == CHANNELS[channel]
            and a.external_id.endswith(account_id)
            and a.status != campaigns_pb.CHANNEL_ACCOUNT_STATUS_UNLINKED
        ]
        tenant.accounts[channel] = (
            found[0]
            if found
            else tenant.campaigns.LinkChannelAccount(link_request(tenant, channel, account_id), timeout=TIMEOUT)
        )


def link_request(tenant, channel, account_id):
    request = campaigns_pb.LinkChannelAccountRequest(
        channel=CHANNELS[channel], idempotency_key=f"seed-{tenant.slug}-{channel}"
    )
    credentials = request.credentials
    stem = f"{SANDBOX_CHANNEL[channel]}-{account_id}"
    if channel == "google_ads":
        request.external_id = account_id
        credentials.refresh_token = f"sandbox-refresh-{stem}"
        credentials.client_id, credentials.client_secret = "sandbox-google-ads-client", "sandbox-google-ads-secret"
        credentials.developer_token = "sandbox-developer-token"
    elif channel == "meta":
        request.external_id, request.page_id = f"act_{account_id}", f"10293847561{tenant.number}"
        # The pixel Meta optimises the sales campaigns' ad sets for.
        request.pixel_id = f"88000000000{tenant.number}"
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
    creative = campaigns_pb.Creative(headlines=plan.headlines, descriptions=plan.descriptions, final_url=plan.final_url)
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
    return campaigns_pb.Campaign(
        account_id=tenant.accounts[plan.channel].id,
        name=plan.name,
        objective=campaigns_pb.CAMPAIGN_OBJECTIVE_SALES,
        budget=campaigns_pb.Budget(period=campaigns_pb.BUDGET_PERIOD_DAILY, amount_micros=micros),
        start_date=first_day.isoformat(),
        markets=plan.markets,
        languages=plan.languages,
        ad_groups=[group],
    )


def approve_copy(tenant, plan, campaign):
    """The publication gate refuses ad copy with a REVIEW finding until a compliance officer approves
    it (an owner may too): the seed's offers are real, so it approves them, saying what was checked."""
    if not campaign.copy_checks:  # a draft left by an earlier run, as ListCampaigns gives it
        campaign = tenant.campaigns.GetCampaign(campaigns_pb.GetCampaignRequest(id=campaign.id), timeout=TIMEOUT)
    for check in campaign.copy_checks:
        if check.blocked_markets:
            raise RuntimeError(f"campaign {plan.name!r}: its copy is blocked in {list(check.blocked_markets)}")
        for market in check.markets_awaiting_approval:
            tenant.content.ApproveCopyCheck(
                content_pb.ApproveCopyCheckRequest(
                    check_id=check.check_id, market=market,
                    note="Seed data: the offer's terms are on the landing page"),
                timeout=TIMEOUT,
            )


def launch_campaigns(tenant, sandbox, first_day):
    """Links the accounts and publishes every planned campaign (its ad copy approved where the gate
    asks for a review); waits until the channels have them,
    and says what went live."""
    kpis = tenant.analytics.GetKPIs(
        analytics_pb.GetKPIsRequest(
            range=analytics_pb.DayRange(from_day=first_day.isoformat(), to_day=first_day.isoformat())
        ),
        timeout=TIMEOUT,
    )
    if kpis.reporting_currency != tenant.profile.currency:
        raise RuntimeError(f"reports in {kpis.reporting_currency}, seed_profiles.py plans in {tenant.profile.currency}")
    link_accounts(tenant, sandbox)
    existing = {
        c.name: c
        for c in tenant.campaigns.ListCampaigns(
            campaigns_pb.ListCampaignsRequest(page_size=1000), timeout=TIMEOUT
        ).campaigns
    }
    ids = []
    for plan in tenant.profile.campaigns:
        campaign = existing.get(plan.name) or tenant.campaigns.CreateCampaign(
            campaigns_pb.CreateCampaignRequest(
                campaign=campaign_message(tenant, plan, first_day), idempotency_key=f"seed-{tenant.slug}-{plan.key}"
            ),
            timeout=TIMEOUT,
        )
        if campaign.status == campaigns_pb.CAMPAIGN_STATUS_DRAFT:
            approve_copy(tenant, plan, campaign)
            campaign = tenant.campaigns.PublishCampaign(
                campaigns_pb.PublishCampaignRequest(id=campaign.id, start_active=True), timeout=TIMEOUT
            )
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
                    f"{campaign.sync.error_code} {campaign.sync.error_message}"
                )
            time.sleep(0.3)
        group = campaign.ad_groups[0]
        tenant.placements.append(
            Placement(plan, campaign.channel_campaign_id, group.channel_ad_group_id, group.ads[0].channel_ad_id)
        )
    return f"{len(ids)} campaigns live on {', '.join(tenant.accounts)} since {first_day}"


def request_metrics(tenant):
    """Queues a pull of the history's days on every account; the server's workers do the rest."""
    for account in tenant.accounts.values():
        tenant.campaigns.SyncChannelMetrics(
            campaigns_pb.SyncChannelMetricsRequest(account_id=account.id, days=tenant.history.days), timeout=TIMEOUT
        )


def wait_for_metrics(tenant, first_day):
    """Until every channel's spend shows in GetKPIs, a few days into the history (its first day or
    two can be older than the 90 days a pull reaches, which end today in the account's zone)."""
    request = analytics_pb.GetKPIsRequest(
        range=analytics_pb.DayRange(
            from_day=(first_day + timedelta(days=2)).isoformat(), to_day=(first_day + timedelta(days=8)).isoformat()
        ),
        group_by=[analytics_pb.KPI_DIMENSION_CHANNEL],
        channels=[CHANNELS[c] for c in tenant.accounts],
    )
    deadline = time.monotonic() + METRICS_WAIT
    while True:
        rows = tenant.analytics.GetKPIs(request, timeout=TIMEOUT).rows
        missing = set(tenant.accounts) - {row.channel for row in rows if row.spend_micros > 0}
        if not missing:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no channel metrics after {METRICS_WAIT:.0f} s for {', '.join(sorted(missing))}")
        time.sleep(1)
