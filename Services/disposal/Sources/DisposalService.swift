import CityGridModel
import CityGridPlatform
import Foundation

/// The disposal service (处置 + 反馈): departments' task inboxes, fed by dispatches and notices,
/// and the departments' operations over HTTP and AMQP, each relayed as `TaskUpdated`.
public enum DisposalService {
    public static let descriptor = ServiceDescriptor(
        name: "disposal", schema: "disposal", messagingName: "disposal", defaultHTTPPort: 8083,
        migrations: DisposalMigrations.all,
        build: { env in
            ServiceParts(
                consumers: [TaskFeedConsumer.definition(), CommandConsumer.definition()],
                routes: { router in
                    DisposalOpenAPI.add(to: router)
                    TaskRoutes(env: env).add(to: router)
                })
        })
}
