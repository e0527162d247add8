-- 003: schools, reporting units and the teacher roster (issue 4).
--
-- A reporting unit (上报单位) is a central school (中心校) with its member
-- primaries, or any other school by itself; unit_code is the central
-- school's code for primaries and the school's own code otherwise.

CREATE TABLE schools (
    code text PRIMARY KEY CHECK (code ~ '^[0-9]{10}$'),
    district_code text NOT NULL REFERENCES districts (code),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind text NOT NULL CHECK (kind IN ('central', 'primary', 'junior', 'senior', 'nine_year',
                                       'kindergarten')),
    central_code text,
    unit_code text NOT NULL,
    opened date,
    closed date,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'primary') = (central_code IS NOT NULL)),
    CHECK (unit_code = coalesce(central_code, code)),
    CHECK (closed IS NULL OR opened IS NULL OR closed >= opened)
);
CREATE INDEX schools_district ON schools (district_code, unit_code);

CREATE TABLE teachers (
    district_code text NOT NULL REFERENCES districts (code),
    code text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    school_code text NOT NULL REFERENCES schools (code),
    subject text NOT NULL DEFAULT '',
    research_group text NOT NULL DEFAULT '',
    homeroom boolean NOT NULL DEFAULT false,
    backbone boolean NOT NULL DEFAULT false,
    new_teacher boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'exempt', 'left')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_code, code)
);
CREATE INDEX teachers_school ON teachers (school_code);

ALTER TABLE schools ENABLE ROW LEVEL SECURITY;
CREATE POLICY schools_wall ON schools USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code));
ALTER TABLE teachers ENABLE ROW LEVEL SECURITY;
CREATE POLICY teachers_wall ON teachers USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code));

GRANT SELECT, INSERT, UPDATE ON schools, teachers TO yanxiu_app;

-- units_import, schools_all_districts, roster_import, roster_transfer: sql/functions/roster.sql
