#!/usr/bin/env python3
"""Checks intake's Open311 GeoReport v2 endpoint with the PyPI `georeport` client.

usage: open311_client_check.py <root, e.g. http://127.0.0.1:8081/open311/v2> <service_request_id>

Lists the services and the requests and fetches one request, in JSON and in XML, through the
client's own parsing (json / xmltodict). Exits non-zero with a message on the first mismatch.
"""
import sys

from georeport import GeoReport


def check(condition, message):
    if not condition:
        print("FAIL:", message, file=sys.stderr)
        sys.exit(1)


def main():
    root, request_id = sys.argv[1], sys.argv[2]
    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        services = client.get_service_list()
        check(isinstance(services, list) and len(services) > 10, f"{fmt}: service list has {len(services)} entries")
        codes = {s["service_code"] for s in services}
        check("event-0502" in codes, f"{fmt}: event-0502 missing from the services")
        sample = next(s for s in services if s["service_code"] == "event-0502")
        for field in ("service_name", "metadata", "type", "group"):
            check(field in sample, f"{fmt}: service lacks {field}")
        check(str(sample["metadata"]).lower() == "true", f"{fmt}: metadata should be true")

        definition = client.get_service_definition("event-0502")
        check(definition["service_code"] == "event-0502", f"{fmt}: definition for the wrong service")

        requests = client.get_service_requests(service_request_id=request_id)
        if isinstance(requests, dict):  # xmltodict gives a dict for a single element
            requests = [requests]
        check(len(requests) == 1 and requests[0]["service_request_id"] == request_id, f"{fmt}: search by id failed: {requests}")
        listed = client.get_service_requests(service_code="event-0502", status="open")
        if isinstance(listed, dict):
            listed = [listed]
        check(any(r["service_request_id"] == request_id for r in listed), f"{fmt}: request not in the open event-0502 list")

        one = client.get_service_request(request_id)
        check(one["service_request_id"] == request_id, f"{fmt}: fetched the wrong request")
        check(one["status"] == "open", f"{fmt}: status {one['status']}")
        check(one["service_code"] == "event-0502", f"{fmt}: service_code {one['service_code']}")
        check(one["description"] == "python client check", f"{fmt}: description {one['description']}")
        check(str(one["requested_datetime"]).endswith("Z"), f"{fmt}: requested_datetime lacks a zone")
        print(f"{fmt}: ok ({len(services)} services, {len(listed)} open event-0502 requests)")


if __name__ == "__main__":
    main()
