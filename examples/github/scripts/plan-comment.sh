#!/usr/bin/env bash
# Pull request: plan the config and post the Markdown plan as one sticky comment, found again
# by its marker line (and its author) on the next push and updated in place.
#   GITHUB_REPOSITORY, PR_NUMBER  where to comment; GH_TOKEN  a token with pull-requests: write
#   PR_HEAD_REPO                  the head repository ("owner/name"); a fork's run is skipped
#   BASE_CONFIG_DIR               the base branch checked out here: its config is passed as --base
# Exit status: that of `reconciler plan` (1 on a config error or an API failure).
set -euo pipefail
. "$(dirname "$0")/common.sh"

if [ -n "${PR_HEAD_REPO:-}" ] && [ "$PR_HEAD_REPO" != "${GITHUB_REPOSITORY:-}" ] || ! have_keys; then
    # A fork's pull request gets neither the Datadog keys nor a token that may comment.
    echo "::notice title=reconciler plan skipped::no Datadog keys for this pull request (a fork's pull requests get no secrets)"
    exit 0
fi

base_args=()
# --base (ownership moves against the base branch's config) needs a reconciler that has it;
# the pinned version decides.
if [ -n "${BASE_CONFIG_DIR:-}" ] && reconciler plan --help | grep -- '--base' >/dev/null; then
    for path in "${config_paths[@]}"; do
        if [ -e "$BASE_CONFIG_DIR/$path" ]; then
            base_args+=(--base "$BASE_CONFIG_DIR/$path")
        fi
    done
fi

status=0
reconciler plan "${config_paths[@]}" "${base_args[@]}" --format markdown --out plan.json \
    > plan.md || status=$?
if [ "$status" -ne 0 ]; then
    # Never leave an outdated plan standing as if it were this commit's.
    printf '%s\n\n%s\n\n%s\n' "### Plan failed" \
        "The configuration has errors or the Datadog API failed; the [workflow run]($run_url) lists them." \
        "$marker" > plan.md
fi

comments="repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments"
comment_id=$(find_posted "$comments" true id)
if [ -n "$comment_id" ]; then
    gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$comment_id" \
        -F body=@plan.md --silent
    echo "updated the plan comment $comment_id"
else
    gh api --method POST "$comments" -F body=@plan.md --silent
    echo "posted the plan comment"
fi
exit "$status"
