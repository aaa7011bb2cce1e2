-- Core layers: administrative hierarchy, grids, buildings, stations, walking network,
-- candidate sites, responsibility list and incidents. Coordinates in EPSG:4326.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgrouting;

CREATE TABLE districts (
    code  text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    name  text NOT NULL,
    attrs jsonb NOT NULL DEFAULT '{}',
    geom  geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom))
);

CREATE TABLE streets (
    code          text PRIMARY KEY CHECK (code ~ '^[0-9]{9}$'),
    name          text NOT NULL,
    district_code text NOT NULL REFERENCES districts (code),
    attrs         jsonb NOT NULL DEFAULT '{}',
    geom          geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    CHECK (left(code, 6) = district_code)
);

CREATE TABLE communities (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
    name        text NOT NULL,
    street_code text NOT NULL REFERENCES streets (code),
    attrs       jsonb NOT NULL DEFAULT '{}',
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    CHECK (left(code, 9) = street_code)
);

-- Several grid systems coexist (多格合一): comprehensive governance, party building, ...
CREATE TABLE grid_systems (
    name        text PRIMARY KEY,
    description text NOT NULL DEFAULT ''
);
INSERT INTO grid_systems (name, description) VALUES
    ('综合网格', '综合治理网格（基础网格）'),
    ('党建网格', '党建引领网格'),
    ('城管网格', '城市管理网格');

CREATE TABLE grids (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           text NOT NULL CHECK (code ~ '^[0-9]{15}$' AND right(code, 3) <> '000'),
    system         text NOT NULL DEFAULT '综合网格' REFERENCES grid_systems (name),
    name           text NOT NULL,
    community_code text NOT NULL REFERENCES communities (code),
    kind           text NOT NULL DEFAULT '居民小区',
    households     integer NOT NULL DEFAULT 0 CHECK (households >= 0),
    residents      integer NOT NULL DEFAULT 0 CHECK (residents >= 0),
    leader         text,
    workers        text[] NOT NULL DEFAULT '{}',
    party_group    text,
    attrs          jsonb NOT NULL DEFAULT '{}',
    geom           geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    UNIQUE (system, code),
    CHECK (left(code, 12) = community_code)
);

CREATE TABLE buildings (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    name       text,
    kind       text NOT NULL DEFAULT '住宅',
    floors     integer CHECK (floors > 0),
    households integer NOT NULL DEFAULT 0 CHECK (households >= 0),
    residents  integer NOT NULL DEFAULT 0 CHECK (residents >= 0),
    compound   text,
    grid_id    bigint REFERENCES grids (id) ON DELETE SET NULL,
    attrs      jsonb NOT NULL DEFAULT '{}',
    geom       geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom))
);

CREATE TABLE station_kinds (
    name        text PRIMARY KEY,
    description text NOT NULL DEFAULT ''
);
INSERT INTO station_kinds (name, description) VALUES
    ('党群服务中心', '街道、社区党群服务中心'),
    ('党群服务驿站', '小区党群服务站、家门口党群服务驿站'),
    ('城市驿站', '城市驿站，面向市民和户外劳动者，部分7×24小时开放'),
    ('暖新驿站', '面向快递员、外卖骑手等新就业群体的暖新驿站、“小蜜蜂”驿站');

CREATE TABLE stations (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code    text NOT NULL UNIQUE,
    name    text NOT NULL,
    kind    text NOT NULL REFERENCES station_kinds (name),
    services text[] NOT NULL DEFAULT '{}' CHECK (services <@ ARRAY[
        '休息', '饮水', '如厕', '充电', '热饭', '阅读', '医疗', '维修', '政务', '托管'
    ]::text[]),
    opens   time,
    closes  time,
    is_24h  boolean NOT NULL DEFAULT false,
    status  text NOT NULL DEFAULT 'existing' CHECK (status IN ('existing', 'planned')),
    address text,
    attrs   jsonb NOT NULL DEFAULT '{}',
    geom    geometry(Point, 4326) NOT NULL,
    CHECK (is_24h OR (opens IS NOT NULL AND closes IS NOT NULL))
);

CREATE TABLE candidates (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    name          text,
    kind          text,
    floor_area_m2 double precision CHECK (floor_area_m2 >= 0),
    attrs         jsonb NOT NULL DEFAULT '{}',
    geom          geometry(Point, 4326) NOT NULL
);

-- Walking network in pgRouting's shape: cost and reverse_cost in metres (walking is two-way).
CREATE TABLE network_nodes (
    id    bigint PRIMARY KEY,
    attrs jsonb NOT NULL DEFAULT '{}',
    geom  geometry(Point, 4326) NOT NULL
);

CREATE TABLE network_edges (
    id           bigint PRIMARY KEY,
    source       bigint NOT NULL REFERENCES network_nodes (id),
    target       bigint NOT NULL REFERENCES network_nodes (id),
    kind         text NOT NULL DEFAULT 'path',
    length_m     double precision NOT NULL CHECK (length_m >= 0),
    cost         double precision GENERATED ALWAYS AS (length_m) STORED,
    reverse_cost double precision GENERATED ALWAYS AS (length_m) STORED,
    attrs        jsonb NOT NULL DEFAULT '{}',
    geom         geometry(LineString, 4326) NOT NULL,
    CHECK (source <> target)
);
CREATE INDEX network_edges_source_idx ON network_edges (source);
CREATE INDEX network_edges_target_idx ON network_edges (target);

-- Rivers, railways and other lines or areas that cut walking routes (for maps).
CREATE TABLE barriers (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code  text NOT NULL UNIQUE,
    kind  text NOT NULL,
    name  text,
    attrs jsonb NOT NULL DEFAULT '{}',
    geom  geometry(Geometry, 4326) NOT NULL CHECK (ST_IsValid(geom))
);

-- Responsibility list (职责清单): who handles what, how and by when.
CREATE TABLE categories (
    code             text PRIMARY KEY,
    name             text NOT NULL,
    department       text NOT NULL,
    handling_type    text NOT NULL CHECK (handling_type IN ('即办件', '承诺件', '上报件', '协办件', '告知件')),
    time_limit_hours integer NOT NULL CHECK (time_limit_hours > 0),
    attrs            jsonb NOT NULL DEFAULT '{}'
);

-- Citizen requests; intake and assignment come with the incident pipeline.
CREATE TABLE incidents (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id     text UNIQUE,
    channel        text NOT NULL,
    category_code  text REFERENCES categories (code),
    description    text NOT NULL DEFAULT '',
    reporter_name  text,
    reporter_phone text,
    reported_at    timestamptz NOT NULL,
    grid_id        bigint REFERENCES grids (id) ON DELETE SET NULL,
    attrs          jsonb NOT NULL DEFAULT '{}',
    geom           geometry(Point, 4326)
);
CREATE INDEX incidents_reported_at_idx ON incidents (reported_at);

-- One row per import, so an operator can see what was loaded, from where and when.
CREATE TABLE imports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    layer       text NOT NULL,
    source      text NOT NULL,
    source_crs  text NOT NULL,
    mode        text NOT NULL,
    rows_read   integer NOT NULL,
    rows_loaded integer NOT NULL,
    repaired    integer NOT NULL DEFAULT 0,
    problems    jsonb NOT NULL DEFAULT '[]',
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX districts_geom_idx ON districts USING gist (geom);
CREATE INDEX streets_geom_idx ON streets USING gist (geom);
CREATE INDEX communities_geom_idx ON communities USING gist (geom);
CREATE INDEX grids_geom_idx ON grids USING gist (geom);
CREATE INDEX buildings_geom_idx ON buildings USING gist (geom);
CREATE INDEX stations_geom_idx ON stations USING gist (geom);
CREATE INDEX candidates_geom_idx ON candidates USING gist (geom);
CREATE INDEX network_nodes_geom_idx ON network_nodes USING gist (geom);
CREATE INDEX network_edges_geom_idx ON network_edges USING gist (geom);
CREATE INDEX barriers_geom_idx ON barriers USING gist (geom);
CREATE INDEX incidents_geom_idx ON incidents USING gist (geom);
