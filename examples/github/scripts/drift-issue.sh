#!/usr/bin/env bash
# Schedule: does the live org still match the config? When it has drifted (a human, Datadog's
# auto-resolve or a regression undid a decision) open one GitHub issue with the Markdown plan,
# or update the one already open; when it is clean again, close that issue.
#   GITHUB_REPOSITORY  where the issue lives; GH_TOKEN  a token with issues: write
# Exit status: 0 whether drifted or clean (the issue says which), 1 when the plan failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

status=0
# 64,000 leaves room in the issue body (at most 65,536 characters) for the heading below.
reconciler plan "${config_paths[@]}" --detailed-exitcode --format markdown --max-chars 64000 \
    --out plan.json > plan.md || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
    exit "$status"
fi

issues="repos/$GITHUB_REPOSITORY/issues"
number=$(find_posted "$issues?state=open&per_page=100" '.pull_request == null' number)
if [ "$status" -eq 2 ]; then
    {
        echo "The [scheduled drift check]($run_url) found issues whose live state or assignee no longer matches \`$config\`. Apply the config again, or change it to accept what changed."
        echo
        cat plan.md
    } > drift.md
    if [ -n "$number" ]; then
        gh api --method PATCH "$issues/$number" -F body=@drift.md --silent
        echo "updated the drift issue #$number"
    else
        gh api --method POST "$issues" -f title="Error Tracking drift: $config" \
            -F body=@drift.md --silent
        echo "opened a drift issue"
    fi
elif [ -n "$number" ]; then
    gh api --method POST "$issues/$number/comments" \
        -f body="No drift any more: the [scheduled check]($run_url) planned no changes." --silent
    gh api --method PATCH "$issues/$number" -f state=closed -f state_reason=completed --silent
    echo "closed the drift issue #$number"
else
    echo "no drift"
fi
