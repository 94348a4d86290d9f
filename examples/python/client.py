#!/usr/bin/env python3
"""Tradewind Contacts API from Python: a client you can copy.

    python client.py DEV_KEYS_JSON

(examples/python/run sets up the venv, generates the stubs and runs this.)

For tenant acme-eu it creates a contact, records an email-marketing consent,
lists consenting contacts in Germany page by page, reads the contact back,
puts it in a newsletter segment and sees it left out once the consent is
withdrawn, shows the NOT_FOUND and INVALID_ARGUMENT answers (with the field violation from
the rich error details), and deletes the contact again. Every step is checked;
the first failed check exits with status 1.

It ends with the report a marketer wants first, for every tenant in the keys file:
the last 90 days' spend, revenue and ROAS by channel (Analytics.GetKPIs) and the
Markov chain's multi-touch credits (Analytics.Attribute). scripts/run seeds the
example tenants with such a history on its first run; an empty tenant says it has none.
"""

import json
import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import grpc

# Stubs generated from Protos/ by examples/python/run.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "generated"))
from tradewind.v1 import analytics_pb2 as analytics  # noqa: E402
from tradewind.v1 import analytics_pb2_grpc as analytics_grpc  # noqa: E402
from tradewind.v1 import content_pb2 as content  # noqa: E402
from tradewind.v1 import content_pb2_grpc as content_grpc  # noqa: E402
from tradewind.v1 import contacts_pb2 as pb  # noqa: E402
from tradewind.v1 import contacts_pb2_grpc as pb_grpc  # noqa: E402
from tradewind.v1 import segments_pb2 as seg  # noqa: E402
from tradewind.v1 import segments_pb2_grpc as seg_grpc  # noqa: E402

try:  # google.rpc.Status and BadRequest, from googleapis-common-protos
    from google.rpc import error_details_pb2, status_pb2
except ImportError:  # pragma: no cover - the pinned requirements include it
    error_details_pb2 = status_pb2 = None

TENANT = "acme-eu"
TIMEOUT = 10.0  # seconds; always set a deadline on a call
REPORT_DAYS = 90

passed = 0
sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr in order


def check(ok, what):
    """Count a passed check, or stop with a clear message."""
    global passed
    if not ok:
        print(f"FAIL: {what}", file=sys.stderr)
        print(f"python example: {passed} passed, 1 failed")
        sys.exit(1)
    passed += 1
    print(f"  ok  {what}")


def request_id(call):
    """The server's x-request-id: in the headers, or in the trailers of an error."""
    for md in (call.initial_metadata() or (), call.trailing_metadata() or ()):
        for key, value in md:
            if key == "x-request-id":
                return value
    return None


def field_violations(err):
    """The google.rpc.BadRequest field violations of an error, as (field, description)."""
    if status_pb2 is None:
        print("  (install googleapis-common-protos to decode grpc-status-details-bin)")
        return []
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            out = []
            for detail in status.details:
                bad_request = error_details_pb2.BadRequest()
                if detail.Unpack(bad_request):
                    out += [(v.field, v.description) for v in bad_request.field_violations]
            return out
    return []


def expect_error(code, fn, request):
    """Call fn(request) and return the grpc.RpcError, which must carry `code`."""
    try:
        fn(request, timeout=TIMEOUT)
    except grpc.RpcError as err:
        check(err.code() == code, f"{code.name} (got {err.code().name}: {err.details()})")
        return err
    check(False, f"{code.name} expected, but the call succeeded")


def tenant_channel(keys, ca, slug):
    """TLS with our CA as the only root, and the tenant's API key sent as
    `authorization: Bearer <key>` on every call (only ever over TLS)."""
    credentials = grpc.composite_channel_credentials(
        grpc.ssl_channel_credentials(root_certificates=ca),
        grpc.access_token_call_credentials(keys["tenants"][slug]["api_key"]),
    )
    return grpc.secure_channel(keys["server"], credentials)


def amount(micros):
    return f"{micros / 1_000_000:,.0f}"


def report(keys, ca, slug):
    """Spend, revenue and ROAS by channel over the last 90 days, and the Markov credits."""
    to_day = datetime.now(timezone.utc).date() - timedelta(days=1)
    days = analytics.DayRange(
        from_day=(to_day - timedelta(days=REPORT_DAYS - 1)).isoformat(), to_day=to_day.isoformat()
    )
    with tenant_channel(keys, ca, slug) as channel:
        stub = analytics_grpc.AnalyticsStub(channel)
        kpis = stub.GetKPIs(
            analytics.GetKPIsRequest(range=days, group_by=[analytics.KPI_DIMENSION_CHANNEL]), timeout=TIMEOUT
        )
        markov = stub.Attribute(
            analytics.AttributeRequest(range=days, models=[analytics.ATTRIBUTION_MODEL_MARKOV]), timeout=TIMEOUT
        ).models[0]
    currency = kpis.reporting_currency
    print(f"\n{slug}: the last {REPORT_DAYS} days ({days.from_day} .. {days.to_day}), {currency}")
    total = kpis.total
    if not (total.spend_micros or total.conversions):
        print("  no spend or orders yet (scripts/run seeds the example tenants on its first run)")
        return
    rows = {row.channel: row for row in kpis.rows}
    credits = {c.channel: c for c in markov.credits}
    for name in credits.keys() - rows.keys():
        rows[name] = analytics.KPIRow(channel=name)
    print(f"  {'channel':<12}{'spend':>12}{'revenue':>12}{'ROAS':>7}{'orders':>8}  |  Markov: orders, revenue")
    for row in sorted(rows.values(), key=lambda r: (-r.spend_micros, -r.revenue_micros, r.channel)):
        credit = credits.get(row.channel, analytics.ChannelCredit())
        if not (row.spend_micros or row.conversions or credit.conversions):
            continue  # page views and consent changes, which carry no channel
        spend = amount(row.spend_micros) if row.spend_micros else "-"
        roas = f"{row.roas:.2f}" if row.HasField("roas") else "-"
        print(
            f"  {row.channel:<12}{spend:>12}{amount(row.revenue_micros):>12}{roas:>7}{row.conversions:>8,}"
            f"  |  {credit.conversions:>13,.1f}  {amount(credit.revenue_micros):>9}"
        )
    roas = f"{total.roas:.2f}" if total.HasField("roas") else "-"
    print(
        f"  {'total':<12}{amount(total.spend_micros):>12}{amount(total.revenue_micros):>12}{roas:>7}"
        f"{total.conversions:>8,}"
    )
    print("  (revenue and orders by the channel of the converting session; Markov credits every touch)")


def main(keys_path):
    with open(keys_path) as f:
        keys = json.load(f)
    tenant = keys["tenants"][TENANT]
    with open(keys["ca"], "rb") as f:
        ca = f.read()

    print(f"python example: tenant {TENANT} (region {tenant['region']}) at {keys['server']}")
    with tenant_channel(keys, ca, TENANT) as channel:
        contacts = pb_grpc.ContactsStub(channel)
        stamp = time.strftime("%Y%m%d%H%M%S") + f"-{uuid.uuid4().hex[:6]}"
        external_id = f"py-example-{stamp}"
        contact_id = None
        try:
            # 1. Create the contact (upsert by external_id).
            print("UpsertContact")
            resp, call = contacts.UpsertContact.with_call(
                pb.UpsertContactRequest(
                    contact=pb.Contact(
                        external_id=external_id,
                        email=f"Anna.Schmidt+{stamp}@Example.COM",
                        name="Anna Schmidt",
                        country="DE",
                        language="de",
                        tags=["newsletter", "python-example"],
                        attributes={"plan": "trial", "signup_channel": "web"},
                    )
                ),
                timeout=TIMEOUT,
            )
            contact_id = resp.contact.id
            print(f"  x-request-id: {request_id(call)}")
            check(request_id(call) is not None, "response carries x-request-id")
            check(resp.created and contact_id, f"contact created with id {contact_id}")
            check(
                resp.contact.email == f"anna.schmidt+{stamp}@example.com",
                "email stored lower-cased",
            )

            # 2. Record a GDPR consent for email marketing.
            print("RecordConsent")
            contact, call = contacts.RecordConsent.with_call(
                pb.RecordConsentRequest(
                    contact_id=contact_id,
                    purpose=pb.CONSENT_PURPOSE_EMAIL_MARKETING,
                    action=pb.CONSENT_ACTION_GRANT,
                    lawful_basis=pb.LAWFUL_BASIS_CONSENT,
                    regime=pb.PRIVACY_REGIME_GDPR,
                    source="python-example",
                ),
                timeout=TIMEOUT,
            )
            print(f"  x-request-id: {request_id(call)}")
            consent = {c.purpose: c for c in contact.consents}.get(pb.CONSENT_PURPOSE_EMAIL_MARKETING)
            check(
                consent is not None and consent.granted and consent.source == "python-example",
                "email marketing consent granted",
            )

            # 3. List German contacts who consented to email marketing, page by page.
            print("ListContacts country=DE, email marketing granted")
            listing = pb.ListContactsRequest(
                page_size=100,
                country="DE",
                consent_purpose=pb.CONSENT_PURPOSE_EMAIL_MARKETING,
                consent_state=pb.CONSENT_FILTER_STATE_GRANTED,
            )
            found, total, pages = False, 0, 0
            while pages < 1000:  # bounded, in case of a bug
                page, call = contacts.ListContacts.with_call(listing, timeout=TIMEOUT)
                pages += 1
                for c in page.contacts:
                    total += 1
                    found = found or c.id == contact_id
                    granted = any(
                        s.purpose == pb.CONSENT_PURPOSE_EMAIL_MARKETING and s.granted for s in c.consents
                    )
                    if c.country != "DE" or not granted:
                        check(False, f"contact {c.id} does not match the filter")
                if not page.next_page_token:
                    break
                listing.page_token = page.next_page_token
            print(f"  {total} contacts in {pages} page(s); last x-request-id: {request_id(call)}")
            check(found, "the new contact is in the filtered list")

            # 4. Read it back.
            print("GetContact")
            got, call = contacts.GetContact.with_call(pb.GetContactRequest(id=contact_id), timeout=TIMEOUT)
            print(f"  x-request-id: {request_id(call)}")
            check(
                got.external_id == external_id
                and got.country == "DE"
                and sorted(got.tags) == ["newsletter", "python-example"]
                and dict(got.attributes) == {"plan": "trial", "signup_channel": "web"}
                and any(s.granted for s in got.consents),
                "GetContact returns the stored contact with its consent",
            )

            # 5. A newsletter segment: the contact is handed out while its consent holds, and left
            #    out the moment it is withdrawn.
            print("Segments: CreateSegment, AddSegmentMembers, ListSegmentMembers")
            segments = seg_grpc.SegmentsStub(channel)
            segment = segments.CreateSegment(
                seg.CreateSegmentRequest(name=f"py-example-{stamp}", purpose=pb.CONSENT_PURPOSE_EMAIL_MARKETING),
                timeout=TIMEOUT,
            )
            try:
                added = segments.AddSegmentMembers(
                    seg.AddSegmentMembersRequest(segment_id=segment.id, contact_ids=[contact_id]), timeout=TIMEOUT
                )
                members = segments.ListSegmentMembers(
                    seg.ListSegmentMembersRequest(segment_id=segment.id), timeout=TIMEOUT
                )
                check(
                    added.added == 1 and [m.contact.id for m in members.members] == [contact_id],
                    "the consenting contact is a usable member of the segment",
                )
                print("RecordConsent withdraw, then ListSegmentMembers")
                contacts.RecordConsent(
                    pb.RecordConsentRequest(
                        contact_id=contact_id,
                        purpose=pb.CONSENT_PURPOSE_EMAIL_MARKETING,
                        action=pb.CONSENT_ACTION_WITHDRAW,
                        regime=pb.PRIVACY_REGIME_GDPR,
                        source="python-example",
                    ),
                    timeout=TIMEOUT,
                )
                members = segments.ListSegmentMembers(
                    seg.ListSegmentMembersRequest(segment_id=segment.id), timeout=TIMEOUT
                )
                check(
                    not members.members and members.excluded_without_consent == 1,
                    "after the withdrawal the segment hands out nobody (1 excluded without consent)",
                )
            finally:
                segments.DeleteSegment(seg.DeleteSegmentRequest(id=segment.id), timeout=TIMEOUT)

            # 6. An id that does not exist (or belongs to another tenant): NOT_FOUND.
            print("GetContact with a random id")
            err = expect_error(
                grpc.StatusCode.NOT_FOUND, contacts.GetContact, pb.GetContactRequest(id=str(uuid.uuid4()))
            )
            print(f"  x-request-id: {request_id(err)}")

            # 7. Bad input: INVALID_ARGUMENT naming the field (google.rpc.BadRequest).
            print("UpsertContact with a bad email")
            err = expect_error(
                grpc.StatusCode.INVALID_ARGUMENT,
                contacts.UpsertContact,
                pb.UpsertContactRequest(contact=pb.Contact(external_id=external_id + "-bad", email="not-an-email")),
            )
            violations = field_violations(err)
            for field, description in violations:
                print(f"  field violation: {field}: {description}")
            if status_pb2 is not None:
                check(any("email" in field for field, _ in violations), "field violation names the email field")

            # 8. Ad copy for China and Germany: an absolute claim is blocked in China, at its span in
            #    the text as sent (Python indexes code points); Germany has nothing against it.
            print("CheckCopy")
            headline = "全网最好的羽绒服"
            checked = content_grpc.ContentStub(channel).CheckCopy(
                content.CheckCopyRequest(
                    texts=[content.AdText(headline=headline, language="zh-CN")], markets=["CN", "DE"]
                ),
                timeout=TIMEOUT,
            )
            china, germany = checked.results[0].markets
            finding = china.findings[0]
            rule = checked.rules[finding.rule_id]
            print(f"  {finding.rule_id}: {headline[finding.span.start:finding.span.end]!r}, {rule.reference.citation}")
            check(
                china.severity == content.COPY_SEVERITY_BLOCK
                and headline[finding.span.start : finding.span.end] == finding.phrase
                and germany.severity == content.COPY_SEVERITY_PASS,
                "CheckCopy blocks the absolute claim in CN at its span, passes it in DE",
            )

            # 9. Delete it; it is gone afterwards.
            print("DeleteContact")
            _, call = contacts.DeleteContact.with_call(pb.DeleteContactRequest(id=contact_id), timeout=TIMEOUT)
            print(f"  x-request-id: {request_id(call)}")
            contact_id = None
            expect_error(grpc.StatusCode.NOT_FOUND, contacts.GetContact, pb.GetContactRequest(id=resp.contact.id))
        finally:
            if contact_id:  # a check failed half-way: do not leave the contact behind
                try:
                    contacts.DeleteContact(pb.DeleteContactRequest(id=contact_id), timeout=TIMEOUT)
                except grpc.RpcError:
                    pass

    print(f"python example: {passed} passed, 0 failed")

    for slug in sorted(keys["tenants"]):
        report(keys, ca, slug)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: client.py DEV_KEYS_JSON")
    try:
        main(sys.argv[1])
    except grpc.RpcError as err:  # an unexpected status from any call
        print(f"FAIL: unexpected {err.code().name}: {err.details()}", file=sys.stderr)
        print(f"python example: {passed} passed, 1 failed")
        sys.exit(1)
