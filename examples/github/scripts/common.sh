# Shared by the reconciler workflow scripts: the config paths and the marker line that
# `reconciler plan --format markdown` writes for them, so a script can find what it posted.
#   RECONCILER_CONFIG  the config paths, separated by spaces (default: triage/)
#   COMMENT_AUTHOR     the login the token posts as (default: github-actions[bot])

config=${RECONCILER_CONFIG:-triage/}
read -r -a config_paths <<< "$config"
author=${COMMENT_AUTHOR:-github-actions[bot]}
run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"

# The plan names its config as the CLI reads the paths (`triage/` reads as `triage`).
marker="<!-- reconciler plan: $(python3 -c 'import pathlib, sys; print(" ".join(str(pathlib.Path(p)) for p in sys.argv[1:]))' "${config_paths[@]}") -->"

have_keys() {
    [ -n "${DD_API_KEY:-}" ] && { [ -n "${DD_APP_KEY:-}" ] || [ -n "${DD_APPLICATION_KEY:-}" ]; }
}

# Ids (or numbers) of what `author` posted at the API path whose body has the marker line.
find_posted() {
    MARKER="$marker" AUTHOR="$author" gh api --paginate "$1" --jq "
        .[] | select(.user.login == env.AUTHOR and ($2)
                     and ((.body // \"\") | split(\"\n\") | any(. == env.MARKER)))
            | .$3" | head -n 1
}
