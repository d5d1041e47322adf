#!/bin/sh
# The API container's start: what `make run` does, against DATABASE_URL.
#   1. migrate (alembic upgrade head);
#   2. SE_LOAD_GAZETTEER=true (default): the built-in gazetteer, only while no place is stored,
#      since a load rewrites every place it holds and would undo editors' changes;
#   3. SE_LOAD_DEMO=true (default): the demo reports and events; a re-run adds nothing twice,
#      and an interrupted first start finishes on the next;
#   4. serve on 0.0.0.0:8000, exec'd so that it gets docker's SIGTERM and drains requests.
# A value other than true/false stops the start: a typo must not load or skip data silently.
set -eu

is_true() { # name value
    case "$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')" in
    true | 1 | yes) return 0 ;;
    false | 0 | no) return 1 ;;
    *)
        echo "error: $1 must be true or false, not '$2'" >&2
        exit 2
        ;;
    esac
}

# Both read before any work, so that a bad value stops the container at once.
load_gazetteer=false
load_demo=false
if is_true SE_LOAD_GAZETTEER "${SE_LOAD_GAZETTEER:-true}"; then load_gazetteer=true; fi
if is_true SE_LOAD_DEMO "${SE_LOAD_DEMO:-true}"; then load_demo=true; fi

syria-events db migrate
if [ "$load_gazetteer" = true ]; then syria-events gazetteer load --if-empty; fi
if [ "$load_demo" = true ]; then syria-events demo load; fi
exec syria-events serve --host 0.0.0.0 --port 8000 "$@"
