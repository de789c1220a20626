"""state() reads S3 and EC2 straight from moto's backends; it must say what the public API says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

COMPARE = """
import json, os, sys
os.environ.update(MOTO_EC2_LOAD_DEFAULT_AMIS="false", AWS_ACCESS_KEY_ID="x",
                  AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
                  MOTO_ACCOUNT_ID="123456789012", LAMBDALAB_MOCK_REGION="us-east-1")
sys.path.insert(0, {root!r})
from lambdalab.mockaws import readout, seed, server
from tests.mockaws.data import typical_fixture
server.start_moto()
fixture = typical_fixture()
fixture["ec2"]["instances"][3]["state"] = "stopped"
fixture["ec2"]["instances"][5]["state"] = "terminated"
fixture["s3"]["buckets"][0]["versioning"] = True
seed.fixture_seed(clients=server.client, fixtures=fixture, region="us-east-1")
s3 = server.client("s3", "us-east-1")
s3.delete_object(Bucket="uploads", Key="reports/r00.csv")  # a delete marker hides it
s3.put_object(Bucket="uploads", Key="reports/r01.csv", Body=b"v2", ContentType="text/plain")
ec2 = server.client("ec2", "us-east-1")
ddb = server.client("dynamodb", "us-east-1")
ddb.put_item(TableName="Payments", Item={{
    "order_id": {{"S": "o-x"}}, "created_at": {{"S": "z"}}, "n": {{"N": "7"}},
    "ok": {{"BOOL": True}}, "none": {{"NULL": True}}, "tags": {{"SS": ["b", "a"]}},
    "nums": {{"NS": ["1", "2.5"]}}, "m": {{"M": {{"k": {{"L": [{{"S": "v"}}, {{"N": "3"}}]}}}}}}}})
print("RESULT " + json.dumps({{
    "ddb": [readout._dynamodb_from_api(ddb), readout._dynamodb_from_backend("us-east-1")],
    "s3": [readout._s3_from_api(s3), readout._s3_from_backend()],
    "ec2": [readout._ec2_from_api(ec2), readout._ec2_from_backend("us-east-1")]}}))
"""


def test_backend_shortcuts_match_the_public_api_exactly():
    proc = subprocess.run(
        [sys.executable, "-c", COMPARE.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[7:])
    api_s3, backend_s3 = result["s3"]
    api_ec2, backend_ec2 = result["ec2"]
    assert "reports/r00.csv" not in backend_s3["uploads"]
    assert backend_s3["uploads"]["reports/r01.csv"]["content_type"] == "text/plain"
    assert backend_s3 == api_s3
    assert {i["state"] for i in backend_ec2["instances"].values()} == {
        "running",
        "stopped",
        "terminated",
    }
    assert backend_ec2 == api_ec2
    api_ddb, backend_ddb = result["ddb"]
    assert len(backend_ddb["Payments"]["items"]) == 51
    assert backend_ddb == api_ddb
