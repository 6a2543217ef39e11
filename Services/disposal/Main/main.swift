// The disposal service process: departments' task inboxes (处置 + 反馈).
import CityGridPlatform
import DisposalService

await ServiceMain.run(DisposalService.descriptor)
