#!/bin/sh
# Create the OMS role and database next to Temporal's databases.
#
# The postgres image runs the scripts in /docker-entrypoint-initdb.d once,
# when it initializes an empty data volume. To change the password later,
# run ALTER ROLE oms PASSWORD by hand.
set -e

: "${OMS_DB_PASSWORD:?OMS_DB_PASSWORD is not set; set it on the postgresql service}"

# psql substitutes :'oms_password' as a quoted literal, so any password
# characters are safe here.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=oms_password="$OMS_DB_PASSWORD" <<'SQL'
CREATE ROLE oms LOGIN PASSWORD :'oms_password';
CREATE DATABASE oms OWNER oms;
SQL
