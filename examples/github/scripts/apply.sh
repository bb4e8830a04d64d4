#!/usr/bin/env bash
# Merge: plan the merged config, keep that plan, and apply exactly it. The saved plan is
# re-checked issue by issue (a change whose issue moved is skipped as stale) and refused past
# max_changes; plan.json and the --log-file apply.log are what the workflow uploads.
# Exit status: 0 when everything was applied (or nothing was to do), else that of the command.
set -euo pipefail
. "$(dirname "$0")/common.sh"

if ! have_keys; then
    echo "::error title=reconciler apply::DD_API_KEY and DD_APP_KEY are not set for this job"
    exit 1
fi
reconciler plan "${config_paths[@]}" --out plan.json
reconciler apply --plan plan.json --auto-approve --log-file apply.log
