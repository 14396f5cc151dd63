# One recipe for every service's image; SERVICE picks the service:
#   docker build --build-arg SERVICE=deviations -t ordning-deviations .
#   (SERVICE: processes, deviations, risks, reporting or web)
# The image runs the API by default; the chart runs the worker (`ordning-<service>-worker`)
# and the migrations (`ordning-migrate <service>`) from the same image. SERVICE=web builds the web
# pages (no worker, no migrations; its templates and static files travel in its package).
FROM python:3.11.7-slim-bookworm AS build
ARG SERVICE
WORKDIR /src
COPY constraints.txt ./
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN test -n "${SERVICE}" \
 && python -m venv /opt/ordning \
 && /opt/ordning/bin/pip install --no-cache-dir -c constraints.txt ./shared "./services/${SERVICE}" \
 && /opt/ordning/bin/pip uninstall --yes pip setuptools \
 && if [ -f "services/${SERVICE}/system-packages.txt" ]; then \
      cp "services/${SERVICE}/system-packages.txt" /opt/ordning/system-packages.txt; fi

# The same base as the build stage: the virtual environment's python is a link into it.
FROM python:3.11.7-slim-bookworm
ARG SERVICE
# The final stage gets the installed virtual environment only: no compiler, no pip, no sources.
RUN python -m pip uninstall --yes pip setuptools wheel \
 && groupadd --gid 10001 ordning \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ordning
COPY --from=build /opt/ordning /opt/ordning
# The Debian run-time libraries a service lists in services/<name>/system-packages.txt (the reporting service's
# pango and a font, for its PDFs): libraries only, no compiler; the package lists go again.
RUN if [ -s /opt/ordning/system-packages.txt ]; then apt-get update \
 && xargs apt-get install -y --no-install-recommends < /opt/ordning/system-packages.txt \
 && rm -rf /var/lib/apt/lists/*; fi
ENV PATH=/opt/ordning/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ORDNING_ENV=production \
    ORDNING_SERVICE=${SERVICE}
USER 10001:10001
EXPOSE 8000
# Kubernetes probes /healthz and /readyz; the image needs no HEALTHCHECK of its own.
CMD exec gunicorn --config python:ordning_shared.gunicorn_conf "ordning_${ORDNING_SERVICE}.app:create_app()"
