# The dialler app: API + web UI, worker and (unless ESL_HOST is set) the switch simulator, all started by
# `npm start` (scripts/start.ts). Point it at real services with DATABASE_URL and TEMPORAL_ADDRESS; without
# them it falls back to embedded PGlite and needs the Temporal CLI. docker-compose.yml runs the same image as
# separate services instead (the API, N workers, the migration job), each with its own command.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_OMIT=dev \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Dependencies first, so source edits do not reinstall them. Dev dependencies (tests, lint) are left out.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
RUN mkdir -p /data && chown node:node /data

USER node
ENV HOST=0.0.0.0 \
    PORT=3000 \
    ORI_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
  CMD node -e "require('http').get('http://127.0.0.1:'+(process.env.PORT||3000)+'/health',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"

CMD ["npm", "start"]
