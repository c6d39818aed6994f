#!/bin/sh
# Container entry point of every service image (see infra/Dockerfile).
#   serve    (default) run the service: node as PID 1 gets SIGTERM and drains.
#   migrate  apply this service's pending database migrations once, then exit; run as its own
#            container (compose `<app>-migrate`, Kubernetes Job `<app>-migrate`), never on start.
# Anything else is executed as given (e.g. `sh` for debugging).
set -eu
APP_HOME=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)

case "${1:-serve}" in
  serve)
    exec node --enable-source-maps "$APP_HOME/main.js"
    ;;
  migrate)
    if [ ! -f "$APP_HOME/tools/prisma/migrate.js" ]; then
      echo "${APP_NAME:-this service} has no database, so no migrations" >&2
      exit 64
    fi
    : "${APP_NAME:?APP_NAME is not set (the image sets it)}"
    : "${DATABASE_URL:?DATABASE_URL is not set}"
    exec node "$APP_HOME/tools/prisma/migrate.js" deploy --service "$APP_NAME" --database-url "$DATABASE_URL"
    ;;
  *)
    exec "$@"
    ;;
esac
