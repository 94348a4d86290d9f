"""Client of bench/analytics: times KPI and attribution calls over TLS for the bench tenant.

Usage: analytics.py GENERATED_DIR SERVER CA_FILE KEY_FILE FROM_DAY TO_DAY REPEAT
Prints one JSON object: for each call, the wall times of REPEAT runs and what it answered.
"""

import json
import sys
import time

generated, server, ca_path, key_path, from_day, to_day = sys.argv[1:7]
repeat = int(sys.argv[7])
sys.path.insert(0, generated)

import grpc  # noqa: E402
from tradewind.v1 import analytics_pb2, analytics_pb2_grpc  # noqa: E402

key = open(key_path).read().strip()
metadata = (("authorization", f"Bearer {key}"),)
channel = grpc.secure_channel(
    server,
    grpc.ssl_channel_credentials(root_certificates=open(ca_path, "rb").read()),
    options=(("grpc.ssl_target_name_override", "localhost"), ("grpc.max_receive_message_length", 256 << 20)),
)
stub = analytics_pb2_grpc.AnalyticsStub(channel)
day_range = analytics_pb2.DayRange(from_day=from_day, to_day=to_day)


def timed(name, call, request, summarize):
    times = []
    answer = None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = call(request, metadata=metadata, timeout=60)
        times.append(time.perf_counter() - started)
    return name, {"seconds": times, "answer": summarize(answer)}


results = dict(
    [
        timed(
            "kpis_by_channel_daily",
            stub.GetKPIs,
            analytics_pb2.GetKPIsRequest(range=day_range, granularity=analytics_pb2.GRANULARITY_DAY,
                                         group_by=[analytics_pb2.KPI_DIMENSION_CHANNEL]),
            lambda r: {"rows": len(r.rows), "clicks": r.total.clicks, "conversions": r.total.conversions,
                       "spend_micros": r.total.spend_micros, "revenue_micros": r.total.revenue_micros},
        ),
        timed(
            "kpis_by_channel_campaign_country_monthly",
            stub.GetKPIs,
            analytics_pb2.GetKPIsRequest(range=day_range, granularity=analytics_pb2.GRANULARITY_MONTH,
                                         group_by=[analytics_pb2.KPI_DIMENSION_CHANNEL,
                                                   analytics_pb2.KPI_DIMENSION_CAMPAIGN,
                                                   analytics_pb2.KPI_DIMENSION_COUNTRY]),
            lambda r: {"rows": len(r.rows), "clicks": r.total.clicks},
        ),
        timed(
            "attribute_all_models",
            stub.Attribute,
            analytics_pb2.AttributeRequest(range=day_range),
            lambda r: {"converting_journeys": r.converting_journeys, "null_journeys": r.null_journeys,
                       "models": len(r.models),
                       "markov": {c.channel: round(c.conversions, 1) for c in r.models[5].credits}},
        ),
    ]
)
print(json.dumps(results))
