import AssessmentService
import CityGridPlatform

await ServiceMain.run(AssessmentServiceDescriptor.make())
