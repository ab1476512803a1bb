-- Supabase: row-level security, only where the Supabase `auth` schema exists (plain
-- PostgreSQL has no API roles to protect against). Market data is readable by the API roles
-- that exist (anon, authenticated); only the role that runs the migrations (the server's own
-- role) writes. The checkpoint table gets no read policy: it is the server's business.
DO $$
DECLARE
    t      text;
    reader text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
        RETURN;
    END IF;
    FOREACH t IN ARRAY ARRAY['historical_ticks', 'candles', 'quflx_tick_checkpoints'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY quflx_server_writes ON %I FOR ALL TO %I USING (true) WITH CHECK (true)',
                       t, current_user);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['historical_ticks', 'candles'] LOOP
        FOREACH reader IN ARRAY ARRAY['anon', 'authenticated'] LOOP
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = reader) THEN
                EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO %I USING (true)',
                               'quflx_read_' || reader, t, reader);
            END IF;
        END LOOP;
    END LOOP;
END
$$;
