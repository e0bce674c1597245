"""boto3 peer for the partsweep benchmark: list every incomplete upload, then abort them all
from a pool of 32 threads. Prints NAME=value lines, as the other workers do.

Usage: python bench_boto3.py BUCKET [THREADS]   (AWS_* variables name the server and keys)
"""

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def main() -> int:
    bucket = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    client = boto3.client(
        "s3",
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name=os.environ.get("AWS_REGION", "garage"),
        config=Config(
            s3={"addressing_style": "path"},
            max_pool_connections=threads,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )

    started = time.monotonic()
    uploads = []
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in page.get("Uploads", []):
            uploads.append((upload["Key"], upload["UploadId"]))
    list_seconds = time.monotonic() - started

    def abort(upload):
        key, upload_id = upload
        try:
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
            return True
        except client.exceptions.NoSuchUpload:
            return True
        except Exception as error:  # counted and reported, never fatal
            print(f"abort failed: {key}: {error}", file=sys.stderr)
            return False

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(abort, uploads))
    abort_seconds = time.monotonic() - started

    failed = results.count(False)
    print(f"LISTED={len(uploads)}")
    print(f"LIST_SECONDS={list_seconds:.3f}")
    print(f"ABORTED={len(uploads) - failed}")
    print(f"FAILED={failed}")
    print(f"ABORT_SECONDS={abort_seconds:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
