-- 007: annual assessment (考核, seed 002 §七, seed 004 第十三条; issue 5).
--
-- A district defines schemes (考核方案) for teachers or for units: items
-- with maximum points, and grades as half-open ranges of the total score (a
-- grade holds the scores from its lowest score up to, not including, the
-- next higher grade's). Schools (for their teachers) and the district enter
-- item scores per year. A teacher's result is the scheme's grade, lowered to
-- 不合格 when the year's hours rules or the absence rule fail (the
-- compliance engine of 006 judges them).

CREATE TABLE assessment_schemes (
    district_code text NOT NULL REFERENCES districts (code),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    target text NOT NULL CHECK (target IN ('teacher', 'unit')),
    title text NOT NULL DEFAULT '',
    ini text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT '',
    PRIMARY KEY (district_code, name)
);

CREATE TABLE assessment_items (
    district_code text NOT NULL,
    scheme text NOT NULL,
    idx int NOT NULL,
    item text NOT NULL,
    max_points numeric(6, 1) NOT NULL CHECK (max_points > 0),
    PRIMARY KEY (district_code, scheme, item),
    FOREIGN KEY (district_code, scheme) REFERENCES assessment_schemes (district_code, name)
);

CREATE TABLE assessment_grades (
    district_code text NOT NULL,
    scheme text NOT NULL,
    grade text NOT NULL,
    min_points numeric(7, 1) NOT NULL CHECK (min_points >= 0),
    PRIMARY KEY (district_code, scheme, grade),
    UNIQUE (district_code, scheme, min_points),
    FOREIGN KEY (district_code, scheme) REFERENCES assessment_schemes (district_code, name)
);

-- One score per subject (teacher or unit) x item x year. unit_code is the
-- subject's reporting unit when the score was entered: a school sees and
-- enters the scores of its own unit.
CREATE TABLE assessment_scores (
    district_code text NOT NULL,
    scheme text NOT NULL,
    year int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    subject_code text NOT NULL,
    item text NOT NULL,
    points numeric(6, 1) NOT NULL CHECK (points >= 0),
    unit_code text NOT NULL,
    entered_at timestamptz NOT NULL DEFAULT now(),
    entered_by text NOT NULL DEFAULT '',
    PRIMARY KEY (district_code, scheme, year, subject_code, item),
    -- an item with scores cannot be dropped from its scheme
    FOREIGN KEY (district_code, scheme, item)
        REFERENCES assessment_items (district_code, scheme, item)
);

ALTER TABLE assessment_schemes ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessment_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessment_grades ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessment_scores ENABLE ROW LEVEL SECURITY;
CREATE POLICY assessment_schemes_wall ON assessment_schemes USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code) AND yx_role() <> 'school');
CREATE POLICY assessment_items_wall ON assessment_items USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code) AND yx_role() <> 'school');
CREATE POLICY assessment_grades_wall ON assessment_grades USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code) AND yx_role() <> 'school');
CREATE POLICY assessment_scores_wall ON assessment_scores
    USING (yx_can_see_unit(district_code, unit_code))
    WITH CHECK (yx_can_see_unit(district_code, unit_code));
GRANT SELECT, INSERT, UPDATE, DELETE ON assessment_schemes, assessment_items, assessment_grades
    TO yanxiu_app;
GRANT SELECT, INSERT, UPDATE ON assessment_scores TO yanxiu_app;

-- scheme_set, scheme_pick, scores_import, scheme_grade, assessment_results:
-- sql/functions/assessment.sql
