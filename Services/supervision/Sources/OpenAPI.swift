/// The OpenAPI document served at `GET /openapi.yaml`: the text of `docs/openapi-supervision.yaml`,
/// embedded so the binary needs no file at run time. Regenerate it when the document changes.
enum SupervisionOpenAPI {
    static let yaml = """
        openapi: 3.0.3
        info:
          title: CityGrid supervision centre (监督中心)
          version: "1"
          description: |
            Case lifecycle commands for centre staff and the supervisors' query API. Every route needs
            `Authorization: Bearer <token>` (401 otherwise). The token's role is checked by the case
            workflow's role matrix (403 `forbidden_for_role`); a case outside the token's scope answers
            404 as if it did not exist. Workflow refusals answer 409 with the workflow's code
            (`illegal_transition`, `not_yet`, `case_ended`, `no_pending_request`, `request_pending`, …);
            invalid input answers 422 with a field list. A command whose effect is already recorded
            answers 200 and changes nothing.
        servers:
          - url: http://127.0.0.1:8084
        security:
          - bearer: []
        paths:
          /api/v1/cases:
            get:
              summary: List cases (newest first, keyset pagination)
              parameters:
                - {name: status, in: query, schema: {type: string}, description: "state, or several comma-separated"}
                - {name: district, in: query, schema: {type: string}}
                - {name: street, in: query, schema: {type: string}}
                - {name: community, in: query, schema: {type: string}}
                - {name: grid, in: query, schema: {type: string}}
                - {name: department, in: query, schema: {type: string}, description: current department}
                - {name: class, in: query, schema: {type: string}, description: class code prefix}
                - {name: channel, in: query, schema: {type: string}}
                - {name: overdue, in: query, schema: {type: boolean}, description: "red light set or running clock past its deadline"}
                - {name: from, in: query, schema: {type: string, format: date-time}, description: reported at or after}
                - {name: to, in: query, schema: {type: string, format: date-time}, description: reported before}
                - {name: q, in: query, schema: {type: string}, description: "text in number, description or address"}
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
                - {name: cursor, in: query, schema: {type: string}, description: "nextCursor of the previous page"}
              responses:
                "200":
                  description: One page
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          items: {type: array, items: {$ref: "#/components/schemas/Case"}}
                          nextCursor: {type: string, nullable: true}
                "401": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/counts:
            get:
              summary: Case counts in scope
              parameters:
                - {name: by, in: query, schema: {type: string, enum: [status, district, street, department], default: status}}
              responses:
                "200":
                  description: Counts
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          by: {type: string}
                          counts:
                            type: array
                            items: {type: object, properties: {key: {type: string, nullable: true}, count: {type: integer}}}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/near:
            get:
              summary: Cases within a radius of a point (nearest first)
              parameters:
                - {name: lon, in: query, required: true, schema: {type: number}}
                - {name: lat, in: query, required: true, schema: {type: number}}
                - {name: radius, in: query, schema: {type: number, default: 500, minimum: 1, maximum: 50000}, description: metres}
              responses:
                "200":
                  description: Cases with their distance
                  content:
                    application/json:
                      schema:
                        type: array
                        items:
                          type: object
                          properties:
                            distanceMeters: {type: number}
                            case: {$ref: "#/components/schemas/Case"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/within:
            post:
              summary: Cases inside a polygon
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [polygon]
                      properties:
                        polygon:
                          type: array
                          minItems: 3
                          items: {type: array, items: {type: number}, minItems: 2, maxItems: 2, description: "[lon, lat]"}
              responses:
                "200":
                  description: Cases
                  content:
                    application/json:
                      schema: {type: array, items: {$ref: "#/components/schemas/Case"}}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{idOrNumber}:
            get:
              summary: One case with its full timeline
              parameters:
                - {name: idOrNumber, in: path, required: true, schema: {type: string}, description: case id or case number}
              responses:
                "200":
                  description: The case
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          case: {$ref: "#/components/schemas/Case"}
                          timeline: {type: array, items: {$ref: "#/components/schemas/TimelineRow"}}
                "404": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/accept:
            post:
              summary: 受理 (acceptor). Public reports go to verification instead.
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/reject:
            post:
              summary: 不予受理 (acceptor)
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/handle-at-intake:
            post:
              summary: 当即办理 (acceptor)
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                content: {application/json: {schema: {type: object, required: [result], properties: {result: {type: string}}}}}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/verification:
            post:
              summary: 核实 result (supervisor). Confirmed → filed by the auto-filing policy (or the caller if shift leader); refuted → voided.
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      required: [result]
                      properties:
                        result: {type: string, enum: [confirmed, refuted]}
                        note: {type: string}
                        photos: {type: array, items: {type: string}}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/file:
            post:
              summary: 立案 (shift leader); publishes CaseFiled
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                content: {application/json: {schema: {type: object, required: [conditionId], properties: {conditionId: {type: string}}}}}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/refuse-filing:
            post:
              summary: 不予立案 (shift leader)
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/void:
            post:
              summary: 作废 (shift leader)
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                content:
                  application/json:
                    schema: {type: object, required: [reason], properties: {reason: {type: string}, duplicateOf: {type: string, format: uuid}}}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/return-decision:
            post:
              summary: 回退审批 (dispatcher). Approve → CaseFiled redispatch with excludedDepartments + TaskNotice return_approved.
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody: {$ref: "#/components/requestBodies/Decision"}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/extension-decision:
            post:
              summary: 延期审批 (shift leader); TaskNotice extension_approved / extension_refused
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody: {$ref: "#/components/requestBodies/Decision"}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/suspension-decision:
            post:
              summary: 挂账审批 (shift leader)
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody: {$ref: "#/components/requestBodies/Decision"}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/resume:
            post:
              summary: Resume a suspended case with a fresh handling deadline (shift leader)
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/check:
            post:
              summary: 核查 result (supervisor). Pass → awaiting_close; fail → 返工 with a new dispatch id and deadline.
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      required: [passed]
                      properties: {passed: {type: boolean}, note: {type: string}, photos: {type: array, items: {type: string}}}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/close:
            post:
              summary: 结案 (shift leader); TaskNotice closed
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/urge:
            post:
              summary: 督办 (dispatcher); TaskNotice urged
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                content: {application/json: {schema: {type: object, required: [message], properties: {message: {type: string}}}}}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/approve-self-handled:
            post:
              summary: Approve a self-handled report (shift leader) → closed
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /api/v1/cases/{id}/reject-self-handled:
            post:
              summary: Reject a self-handled report (shift leader) → voided
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/CaseResult"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
          /openapi.yaml:
            get:
              summary: This document
              security: []
              responses:
                "200": {description: OpenAPI 3 YAML}
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer}
          parameters:
            id: {name: id, in: path, required: true, schema: {type: string}, description: case id or case number}
          requestBodies:
            Reason:
              content: {application/json: {schema: {type: object, required: [reason], properties: {reason: {type: string}}}}}
            Decision:
              content:
                application/json:
                  schema:
                    type: object
                    required: [approve]
                    properties:
                      approve: {type: boolean}
                      reason: {type: string, description: required by the workflow when refusing}
                      newDeadline: {type: string, format: date-time, description: "extension only; defaults to the requested deadline"}
          responses:
            Error:
              description: Error
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Error"}
            CaseResult:
              description: The case after the command (unchanged when the effect was already recorded)
              content: {application/json: {schema: {$ref: "#/components/schemas/Case"}}}
          schemas:
            Error:
              type: object
              properties:
                error:
                  type: object
                  properties:
                    code: {type: string}
                    message: {type: string}
                    details: {type: array, items: {type: object, properties: {field: {type: string}, problem: {type: string}}}}
            StageClock:
              type: object
              properties:
                stage: {type: string, enum: [accept, verify, file, dispatch, handle, send_check, check, close, review]}
                startedAt: {type: string, format: date-time}
                deadline: {type: string, format: date-time, nullable: true}
                warnedAt: {type: string, format: date-time, nullable: true}
                overdueAt: {type: string, format: date-time, nullable: true}
            Case:
              type: object
              properties:
                id: {type: string, format: uuid}
                number: {type: string}
                state: {type: string}
                stateLabel: {type: string}
                version: {type: integer}
                channel: {type: string}
                reporterId: {type: string, nullable: true}
                kind: {type: string, enum: [component, event]}
                classCode: {type: string}
                conditionId: {type: string, nullable: true}
                componentCode: {type: string, nullable: true}
                gridCode: {type: string, nullable: true}
                communityCode: {type: string, nullable: true}
                streetCode: {type: string, nullable: true}
                districtCode: {type: string, nullable: true}
                areaClass: {type: string, nullable: true}
                longitude: {type: number, nullable: true}
                latitude: {type: number, nullable: true}
                address: {type: string, nullable: true}
                description: {type: string}
                photos: {type: array, items: {type: string}}
                currentDepartment: {type: string, nullable: true}
                currentDispatchId: {type: string, format: uuid, nullable: true}
                handlingDeadline: {type: string, format: date-time, nullable: true}
                clock: {$ref: "#/components/schemas/StageClock"}
                pendingRequest:
                  type: object
                  nullable: true
                  properties:
                    kind: {type: string, enum: [return, extension, suspension]}
                    reason: {type: string}
                    requestedDeadline: {type: string, format: date-time, nullable: true}
                    requestedAt: {type: string, format: date-time}
                    requestedBy: {type: string}
                    department: {type: string}
                returnedBy: {type: array, items: {type: string}}
                reworkCount: {type: integer}
                returnCount: {type: integer}
                extensionCount: {type: integer}
                duplicateCount: {type: integer}
                duplicateOf: {type: string, format: uuid, nullable: true}
                suspended: {type: boolean}
                reportedAt: {type: string, format: date-time}
            TimelineRow:
              type: object
              description: "kind=transition: a workflow TimelineEntry (sequence = case version); kind=annotation: a fact that is not a transition (duplicate_linked)"
              properties:
                sequence: {type: integer}
                kind: {type: string, enum: [transition, annotation]}
                action: {type: string}
                from: {type: string, nullable: true}
                to: {type: string}
                actorId: {type: string}
                actorRole: {type: string}
                actorDepartment: {type: string, nullable: true}
                department: {type: string, nullable: true}
                at: {type: string, format: date-time}
                reason: {type: string, nullable: true}
                details: {type: object, additionalProperties: {type: string}}
                stoppedClock: {$ref: "#/components/schemas/StageClock"}
                startedClock: {$ref: "#/components/schemas/StageClock"}
        """
}
