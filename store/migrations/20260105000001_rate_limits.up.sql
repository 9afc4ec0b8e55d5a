-- Points spent per caller per hour (the cost budget, architecture.md "Limits"). Unlogged: the counters are
-- worthless after a crash (a reset only forgives an hour), so they need no WAL.
CREATE UNLOGGED TABLE rate_limit_windows (
    caller       text NOT NULL,
    window_start timestamptz NOT NULL,
    used         integer NOT NULL CHECK (used >= 0),
    PRIMARY KEY (caller, window_start)
);
ALTER TABLE api_keys ADD COLUMN hourly_budget integer CHECK (hourly_budget IS NULL OR hourly_budget > 0);
