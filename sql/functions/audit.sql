-- sql/functions/audit.sql: the audit log's only writer.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- ---- the audit log: written by functions only ---------------------------------------
-- Entries for the caller of this transaction's session, stamped here: the
-- runtime role can no longer name the user, role or district of an entry.
CREATE OR REPLACE FUNCTION audit(p_addr text, p_action text, p_target text, p_outcome text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM yx_caller();
    IF c.name IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'YXAUT', MESSAGE = 'audit_no_session';
    END IF;
    INSERT INTO audit_log (user_name, role, district_code, client_addr, action, target, outcome)
    VALUES (c.name, c.role, nullif(c.district_code, ''), p_addr, p_action, p_target, p_outcome);
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION audit FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION audit TO yanxiu_app;
