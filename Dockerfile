# mentorship-assistant in a container: one long-running process (`run`), everything it keeps in the /data volume.
#
#   docker build -t mentor-assistant .
#   docker run -d --name mentoring -v mentoring-data:/data --env-file secrets.env mentor-assistant
#
# /data holds config.yaml (start from deploy/config.container.yaml), the SQLite file and any local folders.
# Passwords come from the environment (--env-file, a file only its owner can read), never from config.yaml.
FROM python:3.12-slim

RUN useradd --system --uid 10001 --home-dir /srv/mentoring --shell /usr/sbin/nologin mentoring

WORKDIR /srv/mentoring
COPY pyproject.toml README.md config.example.yaml ./
COPY assistant ./assistant
RUN pip install --no-cache-dir . && rm -rf build
# The templates and rules a coordinator edits: used from here unless /data/config.yaml names her own copies.
COPY templates ./templates
COPY rules ./rules
COPY examples ./examples
COPY deploy/config.container.yaml ./deploy/config.container.yaml

RUN mkdir /data && chown mentoring /data
USER mentoring
VOLUME ["/data"]

# Healthy while mail is read and sent: polling or sending failing (or not running) for 30 minutes makes it unhealthy.
HEALTHCHECK --interval=5m --timeout=30s --start-period=2m \
  CMD mentor-assistant --config /data/config.yaml status --json --failing-for 30 > /dev/null || exit 1

# SIGTERM (docker stop) lets the current step finish, then the assistant exits cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["mentor-assistant", "--config", "/data/config.yaml"]
CMD ["run"]
